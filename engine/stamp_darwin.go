package engine

import "syscall"

func fillStamp(s *Stamp, sys any) {
	if st, ok := sys.(*syscall.Stat_t); ok {
		s.Dev, s.Ino, s.CtimeNs = uint64(st.Dev), st.Ino, st.Ctimespec.Nano()
	}
}
