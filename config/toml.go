package config

import (
	"errors"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// entry is one key of the file: its dotted path, TOML type, decoded value and line.
type entry struct {
	key   string
	parts toml.Key
	typ   string // lowercase TOML type: "string", "integer", "float", "hash", "array", ...
	value any
	line  int // 0 for tables created implicitly by a dotted key
}

// errLineProbe is returned by lineProbe so the decoder reports the position of a key.
var errLineProbe = errors.New("line probe")

// lineProbe fails every decode. The library then returns a ParseError positioned at the key
// being decoded, which is how the line of each key is found: MetaData keeps key positions but
// does not export them.
type lineProbe struct{}

// UnmarshalTOML always fails with errLineProbe.
func (lineProbe) UnmarshalTOML(any) error { return errLineProbe }

// readTOML parses data and returns every key, parents before their children, in file order.
func readTOML(data []byte) ([]entry, error) {
	var top map[string]toml.Primitive
	md, err := toml.Decode(string(data), &top)
	if err != nil {
		return nil, err
	}
	entries, err := walk(&md, nil, top)
	if err != nil {
		return nil, err
	}
	fillImplicitLines(entries)
	slices.SortStableFunc(entries, func(a, b entry) int {
		if a.line != b.line {
			return a.line - b.line
		}
		return len(a.parts) - len(b.parts)
	})
	return entries, nil
}

// fillImplicitLines gives a table created by a dotted key (which has no line of its own) the
// first line of its keys, so errors about it still point into the file.
func fillImplicitLines(entries []entry) {
	for i := range entries {
		if entries[i].line != 0 {
			continue
		}
		prefix := entries[i].key + "."
		for _, e := range entries {
			under := strings.HasPrefix(e.key, prefix)
			if under && e.line > 0 && (entries[i].line == 0 || e.line < entries[i].line) {
				entries[i].line = e.line
			}
		}
	}
}

// walk visits the keys of one table, recursing into sub-tables.
func walk(md *toml.MetaData, parent toml.Key, table map[string]toml.Primitive) ([]entry, error) {
	var out []entry
	for name, prim := range table {
		parts := append(slices.Clone(parent), name)
		e := entry{key: parts.String(), parts: parts, line: keyLine(md, prim)}
		e.typ = strings.ToLower(md.Type(parts...))
		if err := md.PrimitiveDecode(prim, &e.value); err != nil {
			return nil, err
		}
		out = append(out, e)
		if _, ok := e.value.(map[string]any); !ok {
			continue
		}
		e.typ = "hash" // tables created by a dotted key have no recorded type
		out[len(out)-1] = e
		var sub map[string]toml.Primitive
		if err := md.PrimitiveDecode(prim, &sub); err != nil {
			return nil, err
		}
		children, err := walk(md, parts, sub)
		if err != nil {
			return nil, err
		}
		out = append(out, children...)
	}
	return out, nil
}

// keyLine returns the line the library recorded for a key, or 0.
func keyLine(md *toml.MetaData, prim toml.Primitive) int {
	var pe toml.ParseError
	if err := md.PrimitiveDecode(prim, lineProbe{}); errors.As(err, &pe) {
		return pe.Position.Line
	}
	return 0
}
