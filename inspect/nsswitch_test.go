package inspect

import "testing"

func TestNSSBeyondFiles(t *testing.T) {
	for _, c := range []struct {
		conf string
		want bool
	}{
		{"passwd:         files systemd\ngroup: files systemd\n", true},
		{"passwd: files\nshadow: files sss\n", false},
		{"# passwd: sss\npasswd: compat [NOTFOUND=return]\n", false},
		{"passwd: files sss # SSSD\n", true},
		{"passwd: ldap files\n", true},
		{"group: files ldap\n", false},
		{"", false},
	} {
		if got := nssBeyondFiles([]byte(c.conf)); got != c.want {
			t.Errorf("nssBeyondFiles(%q) = %v, want %v", c.conf, got, c.want)
		}
	}
}
