package numbers

// appendResult appends {"result":[...]} for xs.
func appendResult(dst []byte, xs []float64) []byte {
	dst = append(dst, `{"result":[`...)
	dst = appendValues(dst, xs)
	return append(dst, "]}"...)
}
