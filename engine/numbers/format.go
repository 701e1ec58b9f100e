package numbers

import (
	"math"
	"strconv"
)

// AppendJS appends x to dst exactly as JavaScript's JSON.stringify prints a
// number (ECMAScript Number::toString): the shortest digits that round-trip,
// plain notation for 1e-7 < |x| < 1e21 and exponent notation ("1e+21",
// "1.5e-7") outside it, -0 as "0", and NaN and ±Infinity as "null".
func AppendJS(dst []byte, x float64) []byte {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return append(dst, "null"...)
	}
	if x == 0 {
		return append(dst, '0')
	}
	// An integer below 2^53 has no shorter round-trip form than its digits
	// (every integer up to 2^53 is a double), so it prints as an integer.
	if math.Abs(x) < 1<<53 && x == math.Trunc(x) {
		return strconv.AppendInt(dst, int64(x), 10)
	}
	// Go's shortest formatting picks the shortest digit string that rounds
	// to x and, among those, the closest to x, as the ECMAScript algorithm.
	// JavaScript prints plain decimals when that shortest value is in
	// [1e-6, 1e21), which (rounding being monotonic) is when |x| is: Go's
	// 'f' format with the shortest digits is then the same text.
	if a := math.Abs(x); a >= 1e-6 && a < 1e21 {
		return strconv.AppendFloat(dst, x, 'f', -1, 64)
	}
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], x, 'e', -1, 64)
	if e[0] == '-' {
		dst = append(dst, '-')
		e = e[1:]
	}
	// e is "d[.ddd]e±XX": collect the digits and the decimal exponent.
	var digits [24]byte
	k := 0
	i := 0
	for ; e[i] != 'e'; i++ {
		if e[i] != '.' {
			digits[k] = e[i]
			k++
		}
	}
	exp := 0
	neg := e[i+1] == '-'
	for _, c := range e[i+2:] {
		exp = exp*10 + int(c-'0')
	}
	if neg {
		exp = -exp
	}
	n := exp + 1 // x = 0.d1d2...dk * 10^n
	d := digits[:k]
	switch {
	case k <= n && n <= 21:
		dst = append(dst, d...)
		for range n - k {
			dst = append(dst, '0')
		}
	case 0 < n && n <= 21:
		dst = append(dst, d[:n]...)
		dst = append(dst, '.')
		dst = append(dst, d[n:]...)
	case -6 < n && n <= 0:
		dst = append(dst, '0', '.')
		for range -n {
			dst = append(dst, '0')
		}
		dst = append(dst, d...)
	default:
		dst = append(dst, d[0])
		if k > 1 {
			dst = append(dst, '.')
			dst = append(dst, d[1:]...)
		}
		dst = append(dst, 'e')
		if n-1 >= 0 {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, int64(n-1), 10)
	}
	return dst
}

// appendValues appends the JavaScript forms of xs, separated by commas.
func appendValues(dst []byte, xs []float64) []byte {
	for i, x := range xs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendJS(dst, x)
	}
	return dst
}

// appendResult appends {"result":[...]} for xs.
func appendResult(dst []byte, xs []float64) []byte {
	dst = append(dst, `{"result":[`...)
	dst = appendValues(dst, xs)
	return append(dst, "]}"...)
}
