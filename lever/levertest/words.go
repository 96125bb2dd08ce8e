package levertest

// Word lists the generator draws from. They are invented for test data.
var (
	firstNames = []string{"Cheryl", "Aleksandr", "Priya", "Mateo", "Hannah", "Kwame", "Sofia",
		"Liam", "Mei", "Oluwaseun", "Isabel", "Noah", "Amara", "Jonas", "Yuki", "Diego", "Fatima",
		"Ethan", "Leila", "Tomasz", "Grace", "Ravi", "Chloe", "Samuel", "Ingrid", "Omar", "Nadia",
		"Lucas", "Aisha", "Henrik", "Camila", "Daniel", "Zara", "Mikhail", "Elena", "Tariq"}
	lastNames = []string{"Goh", "Arhipenko", "Sharma", "Fernandez", "Becker", "Mensah", "Rossi",
		"O'Brien", "Chen", "Adeyemi", "Castillo", "Kowalski", "Nakamura", "Haddad", "Lindqvist",
		"Okafor", "Moreau", "Patel", "Silva", "Novak", "Kim", "Andersen", "Rahman", "Dubois",
		"Walker", "Ivanova", "Tanaka", "Osei", "Garcia", "Muller", "Nguyen", "Brennan"}
	companies = []string{"Flex Ltd", "Northwind Labs", "Brightline Health", "Quarry Systems",
		"Bluefin Logistics", "Cobalt Analytics", "Harbor & Finch", "Meridian Retail", "Kestrel AI",
		"Sable Robotics", "Tidewater Bank", "Orchard Software", "Lumen Media", "Granite Cloud",
		"Pioneer Foods", "Atlas Mobility", "Verdant Energy", "Juniper Payments"}
	jobTitles = []string{"Senior Software Engineer", "Staff Backend Engineer", "Product Designer",
		"Data Scientist", "Administrative Assistant", "Account Executive", "Engineering Manager",
		"Site Reliability Engineer", "Product Manager", "Customer Success Manager",
		"Recruiting Coordinator", "Financial Analyst", "Marketing Manager", "Security Engineer",
		"Frontend Engineer", "Solutions Architect", "Technical Writer", "People Partner"}
	teams       = []string{"Platform", "Growth", "Payments", "Infrastructure", "Design", "Sales", "People"}
	departments = []string{"Engineering", "Product", "Go-To-Market", "Operations", "G&A"}
	locations   = []string{"San Francisco, CA", "New York, NY", "London", "Berlin", "Singapore",
		"Toronto", "Remote - US", "Austin, TX"}
	commitments = []string{"Full-time", "Part-time", "Contract", "Internship"}
	levels      = []string{"Junior", "Mid", "Senior", "Staff", "Principal"}
	origins     = []string{"applied", "sourced", "referred", "university", "agency", "internal"}
	roles       = []string{"super admin", "admin", "team member", "limited team member", "interviewer"}
	timezones   = []string{"America/Los_Angeles", "America/New_York", "Europe/London",
		"Europe/Berlin", "Asia/Singapore", "America/Toronto", "Europe/Kiev"}
	interviewKinds = []string{"Phone screen", "Technical interview", "On-site interview",
		"System design", "Hiring manager chat", "Culture interview", "Portfolio review"}
	meetingPlaces = []string{"Zoom", "Google Meet", "Room 4B - Golden Gate", "Microsoft Teams"}
	tagWords      = []string{"interview", "referral", "priority", "rehire", "visa", "remote",
		"bootcamp", "silver medalist"}
	templateNames = []string{"Phone Screen Scorecard", "Technical Interview Scorecard",
		"System Design Scorecard", "Hiring Manager Scorecard", "Culture Add Scorecard",
		"Portfolio Review Scorecard", "Sales Role Play Scorecard", "Executive Interview Scorecard"}
	questions = []struct{ typ, text, desc string }{
		{"score-system", "Overall rating", "Your hiring recommendation."},
		{"textarea", "Summary of strengths", "What stood out positively?"},
		{"textarea", "Concerns", "Anything that gives you pause?"},
		{"yes-no", "Would you like to work with this person?", ""},
		{"score", "Problem solving", "Breaks down ambiguous problems."},
		{"score", "Communication", "Explains reasoning clearly."},
		{"score", "Technical depth", "Depth in the core skills of the role."},
		{"textarea", "Questions asked", "List the questions you covered."},
		{"dropdown", "Seniority assessment", "Which level fits best?"},
		{"score", "Collaboration", "Works well with others."},
		{"textarea", "Notes for the debrief", ""},
		{"yes-no", "Any red flags?", "Explain in the concerns field."},
	}
	stageNames = []struct{ id, text string }{
		{"lead-new", "New lead"}, {"lead-reached-out", "Reached out"},
		{"applicant-new", "New applicant"}, {"", "Recruiter screen"}, {"", "Phone interview"},
		{"", "On-site interview"}, {"", "Reference check"}, {"offer", "Offer"},
	}
	archiveReasons = []struct{ text, typ string }{
		{"Hired", "hired"}, {"Underqualified", "non-hired"}, {"Withdrew", "non-hired"},
		{"Position filled", "non-hired"}, {"Unresponsive", "non-hired"},
	}
)
