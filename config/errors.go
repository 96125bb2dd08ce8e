package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem found in a configuration file. It never contains a secret value.
type Error struct {
	File string // path of the file as given to Load or Parse
	Line int    // 1-based line of the key, 0 when the key is absent from the file
	Key  string // dotted key, e.g. "lever.requests_per_second"; empty for syntax errors
	Rule string // what is wrong, e.g. "must be between 1 and 10 (got 40)"
}

// Error formats the problem as "file:line: key: rule", leaving out the parts that are unknown.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Rule)
	return b.String()
}

// Errors is every problem found in one configuration file, in file order. Load and Parse
// return it as *Errors; errors.As works with both an Errors and an *Errors target.
type Errors []*Error

// Error joins the problems one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the individual problems, so errors.As can reach an *Error.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// As lets errors.As fill an Errors target from an *Errors and the other way round.
func (es Errors) As(target any) bool {
	switch t := target.(type) {
	case *Errors:
		*t = es
		return true
	case **Errors:
		c := es
		*t = &c
		return true
	}
	return false
}

// sortByLine orders problems by line, keeping the order of problems found on the same line;
// problems without a line (missing keys) go last.
func (es Errors) sortByLine() {
	slices.SortStableFunc(es, func(a, b *Error) int {
		return cmp.Compare(lineOrder(a.Line), lineOrder(b.Line))
	})
}

func lineOrder(line int) int {
	if line == 0 {
		return int(^uint(0) >> 1)
	}
	return line
}
