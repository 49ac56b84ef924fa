package locale

import "testing"

func TestLanguage(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string // "" when LANGUAGE is left alone
	}{
		{map[string]string{"LANG": "C.UTF-8"}, "en"},
		{map[string]string{"LANG": "POSIX.utf8"}, "en"},
		{map[string]string{"LANG": "C.UTF-8@euro"}, "en"},
		{map[string]string{"LANG": "de_DE.UTF-8", "LC_ALL": "C.UTF-8"}, "en"},
		{map[string]string{"LANG": "de_DE.UTF-8", "LC_MESSAGES": "C.utf8"}, "en"},
		{map[string]string{"LANG": "C.UTF-8", "LC_MESSAGES": "fr_FR.UTF-8"}, ""},
		{map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "fr"}, ""},
		{map[string]string{"LANG": "C"}, ""},
		{map[string]string{"LANG": "POSIX"}, ""},
		{map[string]string{"LANG": "Cy_GB.UTF-8"}, ""},
		{map[string]string{"LANG": "en_US.UTF-8"}, ""},
		{map[string]string{}, ""},
	}
	for _, tc := range cases {
		got, ok := language(func(k string) string { return tc.env[k] })
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%v: language %q, %v; want %q", tc.env, got, ok, tc.want)
		}
	}
}
