package widgets

import "testing"

func TestInitials(t *testing.T) {
	for name, want := range map[string]string{"Ann Lee": "AL", "bob": "B", "Bobby (design)": "B", "": "?",
		"李 雷": "李雷", "  ann   de  vries ": "AD", "🦊": "?"} {
		if got := Initials(name); got != want {
			t.Errorf("Initials(%q) = %q, want %q", name, got, want)
		}
	}
}
