package numbers

import "strconv"

// parseDecimal parses a number token of a text file the way JavaScript's
// Number() reads a decimal literal: an optional sign, digits with an
// optional decimal point (".5" and "5." included) and an optional exponent.
// Hex, binary and octal forms, Infinity, NaN, underscores and the empty
// string are not numbers. Conversion is correctly rounded, as in
// JavaScript; a magnitude beyond the double range gives ±Inf, as "1e400"
// does in JavaScript.
func parseDecimal(b []byte) (float64, bool) {
	i := 0
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	var mant uint64
	intStart := i
	for i < len(b) && isDigit(b[i]) {
		mant = mant*10 + uint64(b[i]-'0')
		i++
	}
	nInt := i - intStart
	if i == len(b) && nInt > 0 && nInt <= 15 {
		// Up to 15 digits is below 2^53: exact.
		v := float64(mant)
		if neg {
			v = -v
		}
		return v, true
	}
	nFrac := 0
	if i < len(b) && b[i] == '.' {
		i++
		fracStart := i
		for i < len(b) && isDigit(b[i]) {
			i++
		}
		nFrac = i - fracStart
	}
	if nInt+nFrac == 0 {
		return 0, false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		expStart := i
		for i < len(b) && isDigit(b[i]) {
			i++
		}
		if i == expStart {
			return 0, false
		}
	}
	if i != len(b) {
		return 0, false
	}
	return parseValidated(b)
}

// parseJSONNumber parses a token by the JSON number grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func parseJSONNumber(b []byte) (float64, bool) {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		start := i
		for i < len(b) && isDigit(b[i]) {
			i++
		}
		if i == start {
			return 0, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		start := i
		for i < len(b) && isDigit(b[i]) {
			i++
		}
		if i == start {
			return 0, false
		}
	}
	if i != len(b) {
		return 0, false
	}
	if len(b) <= 16 && i > 0 {
		// Fast path for short integers (at most 15 digits after a sign).
		neg := b[0] == '-'
		digits := b
		if neg {
			digits = b[1:]
		}
		if len(digits) <= 15 {
			var m uint64
			ok := true
			for _, c := range digits {
				if !isDigit(c) {
					ok = false
					break
				}
				m = m*10 + uint64(c-'0')
			}
			if ok {
				v := float64(m)
				if neg {
					v = -v
				}
				return v, true
			}
		}
	}
	return parseValidated(b)
}

// parseValidated converts a syntactically valid decimal literal
// ([sign] digits [. digits] [e [sign] digits], some digits present).
func parseValidated(b []byte) (float64, bool) {
	if v, ok := parseFast(b); ok {
		return v, true
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		// Only ErrRange is possible here; v is then ±Inf (overflow) or
		// the correctly rounded tiny value, as JavaScript gives.
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	return v, true
}

// pow10 holds the powers of ten that doubles represent exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseFast converts a valid literal with at most 15 significant digits and
// a decimal exponent within ±22 (Clinger's fast path): the digits and the
// power of ten are exact doubles, so one correctly rounded multiplication or
// division gives the correctly rounded value. It reports false otherwise.
func parseFast(b []byte) (float64, bool) {
	i := 0
	neg := false
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		i++
	}
	var mant uint64
	sig := 0 // significant digits in mant
	exp := 0
	for ; i < len(b) && isDigit(b[i]); i++ {
		if mant != 0 || b[i] != '0' {
			mant = mant*10 + uint64(b[i]-'0')
			sig++
		}
	}
	if i < len(b) && b[i] == '.' {
		for i++; i < len(b) && isDigit(b[i]); i++ {
			if mant != 0 || b[i] != '0' {
				mant = mant*10 + uint64(b[i]-'0')
				sig++
			}
			exp--
		}
	}
	if sig > 15 {
		return 0, false
	}
	if i < len(b) { // exponent
		i++
		eneg := false
		if b[i] == '+' || b[i] == '-' {
			eneg = b[i] == '-'
			i++
		}
		e := 0
		for ; i < len(b); i++ {
			if e > 1000 {
				return 0, false
			}
			e = e*10 + int(b[i]-'0')
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	v := float64(mant)
	switch {
	case mant == 0 || exp == 0:
	case exp > 0 && exp <= 22:
		v *= pow10[exp]
	case exp < 0 && exp >= -22:
		v /= pow10[-exp]
	default:
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
