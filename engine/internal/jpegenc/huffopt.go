package jpegenc

// symbolCounts holds how often each symbol of one Huffman table occurs in
// the image (index 256 is libjpeg's reserved pseudo-symbol, see optimalSpec).
type symbolCounts [257]int64

// optimalSpec builds a Huffman table for the given symbol frequencies, with
// code lengths limited to 16 bits and no code of all ones: a port of
// libjpeg's jpeg_gen_optimal_table (jchuff.c, section K.2 of the spec),
// so that tables match what libjpeg-turbo's optimize_coding would make for
// the same statistics. freq is consumed.
func optimalSpec(freq *symbolCounts) huffmanSpec {
	const maxCodeLen = 32
	var (
		bits     [maxCodeLen + 1]int
		codesize [257]int
		others   [257]int
	)
	for i := range others {
		others[i] = -1
	}
	// The reserved symbol guarantees that no real symbol gets the code of
	// all ones (which could be confused with a marker's fill bytes).
	freq[256] = 1
	used := false
	for i := range 256 {
		if freq[i] != 0 {
			used = true
			break
		}
	}
	if !used {
		freq[0] = 1 // a table must code at least one symbol
	}
	for {
		// c1 is the least frequent symbol (the largest index on ties), c2
		// the next least frequent.
		c1, c2 := -1, -1
		v := int64(1) << 62
		for i := range freq {
			if freq[i] != 0 && freq[i] <= v {
				v, c1 = freq[i], i
			}
		}
		v = int64(1) << 62
		for i := range freq {
			if freq[i] != 0 && freq[i] <= v && i != c1 {
				v, c2 = freq[i], i
			}
		}
		if c2 < 0 {
			break
		}
		freq[c1] += freq[c2]
		freq[c2] = 0
		codesize[c1]++
		for others[c1] >= 0 {
			c1 = others[c1]
			codesize[c1]++
		}
		others[c1] = c2
		codesize[c2]++
		for others[c2] >= 0 {
			c2 = others[c2]
			codesize[c2]++
		}
	}
	for i := range codesize {
		if codesize[i] != 0 {
			bits[codesize[i]]++
		}
	}
	// Limit code lengths to 16 bits (section K.2's Adjust_BITS).
	for i := maxCodeLen; i > 16; i-- {
		for bits[i] > 0 {
			j := i - 2
			for bits[j] == 0 {
				j--
			}
			bits[i] -= 2
			bits[i-1]++
			bits[j+1] += 2
			bits[j]--
		}
	}
	// Drop the reserved symbol: it has the longest code.
	i := 16
	for bits[i] == 0 {
		i--
	}
	bits[i]--
	var s huffmanSpec
	for l := 1; l <= 16; l++ {
		s.count[l-1] = byte(bits[l])
	}
	for l := 1; l <= maxCodeLen; l++ {
		for j := range 256 {
			if codesize[j] == l {
				s.value = append(s.value, byte(j))
			}
		}
	}
	return s
}
