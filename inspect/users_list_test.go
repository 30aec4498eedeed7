package inspect

import (
	"fmt"
	"testing"
)

func TestParsePasswd(t *testing.T) {
	got := parsePasswd([]byte("root:x:0:0:root:/root:/bin/bash\n# a comment\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n+@netgroup::::::\nbroken:x:abc:0::/:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/bash\n\n"))
	if s := fmt.Sprint(got); s != "[{alice 1000} {nobody 65534} {root 0}]" {
		t.Errorf("got %s, want alice, nobody and root", s)
	}
}
