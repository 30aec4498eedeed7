package inspect

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

// nlmsg builds one netlink message with the given header length field.
func nlmsg(length uint32, typ, flags uint16, seq uint32, body []byte) []byte {
	b := make([]byte, nlmsgHdrLen, nlmsgHdrLen+len(body))
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], length)
	ne.PutUint16(b[4:], typ)
	ne.PutUint16(b[6:], flags)
	ne.PutUint32(b[8:], seq)
	return append(b, body...)
}

// TestEachNetlinkMessageTruncated: a final message shorter than its
// aligned length, or one that claims more than the datagram holds, is
// read without slicing past the buffer.
func TestEachNetlinkMessageTruncated(t *testing.T) {
	body := make([]byte, inetDiagMsgLen+1) // 1 byte short of alignment
	b := nlmsg(uint32(nlmsgHdrLen+len(body)), sockDiagByFamily, 0, 7, body)
	var n int
	done, err := eachNetlinkMessage(b, 7, func(m netlinkMessage) error { n++; return nil })
	if err != nil || done || n != 1 {
		t.Errorf("unaligned final message: got %d messages, done %v, %v; want 1, not done, no error", n, done, err)
	}
	if _, err := eachNetlinkMessage(nlmsg(1000, sockDiagByFamily, 0, 7, nil), 7, func(netlinkMessage) error { return nil }); err == nil {
		t.Errorf("a message longer than the datagram: want an error")
	}
	done, _ = eachNetlinkMessage(nlmsg(nlmsgHdrLen, unix.NLMSG_DONE, unix.NLM_F_DUMP_INTR, 7, nil), 7, func(m netlinkMessage) error {
		if m.flags&unix.NLM_F_DUMP_INTR == 0 {
			t.Errorf("NLMSG_DONE's flags are not shown to fn")
		}
		return nil
	})
	if !done {
		t.Errorf("NLMSG_DONE: want done")
	}
}

// FuzzSockDiagAnswer: any datagram is read without a panic, and every
// inet_diag message in it parses or is an error.
func FuzzSockDiagAnswer(f *testing.F) {
	body := make([]byte, inetDiagMsgLen+8)
	body[1] = byte(Listen)
	f.Add(nlmsg(uint32(nlmsgHdrLen+len(body)), sockDiagByFamily, 0, 1, body))
	f.Add(nlmsg(nlmsgHdrLen, unix.NLMSG_DONE, unix.NLM_F_DUMP_INTR, 1, nil))
	f.Add(nlmsg(nlmsgHdrLen+4, unix.NLMSG_ERROR, 0, 1, []byte{0xfe, 0xff, 0xff, 0xff}))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, tbl := range netTables {
			eachNetlinkMessage(b, 1, func(m netlinkMessage) error {
				if m.typ == sockDiagByFamily {
					parseInetDiagMsg(m.body, tbl)
				}
				return nil
			})
		}
	})
}
