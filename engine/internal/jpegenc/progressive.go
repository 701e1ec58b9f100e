package jpegenc

// A progressive scan: components (indices into the frame's components),
// spectral selection ss..se. Successive approximation is not used (Ah = Al
// = 0): every coefficient is sent whole in the one scan that covers it, so
// the decoded pixels are those of the sequential file.
type progressiveScan struct {
	comps  []int
	ss, se byte
}

// progressiveScript is the order of the scans: the DC of every component
// first (a whole low-resolution picture), then luminance's first AC bands,
// the chrominance, and the rest of luminance, after libjpeg's
// jpeg_simple_progression without its successive-approximation passes.
func progressiveScript(nComponent int) []progressiveScan {
	if nComponent == 1 {
		return []progressiveScan{{[]int{0}, 0, 0}, {[]int{0}, 1, 5}, {[]int{0}, 6, 63}}
	}
	return []progressiveScan{
		{[]int{0, 1, 2}, 0, 0},
		{[]int{0}, 1, 5},
		{[]int{2}, 1, 63},
		{[]int{1}, 1, 63},
		{[]int{0}, 6, 63},
	}
}

// writeProgressive writes cs as the scans of progressiveScript, each with
// Huffman tables built from its own symbol statistics.
func (e *encoder) writeProgressive(cs []component) {
	for _, sc := range progressiveScript(len(cs)) {
		if sc.ss == 0 {
			e.writeDCScan(cs)
		} else {
			e.writeACScan(&cs[sc.comps[0]], sc.ss, sc.se)
		}
	}
}

// writeDCScan writes the first (and only) DC scan of every component,
// interleaved as in a sequential scan.
func (e *encoder) writeDCScan(cs []component) {
	var counts [nQuantIndex]symbolCounts
	var prev [3]int32
	forEachMCUBlock(cs, func(ci int, blk []int16) {
		d := int32(blk[0])
		n, _ := magnitude(d - prev[ci])
		counts[cs[ci].q][n]++
		prev[ci] = d
	})
	nTables := 2
	if len(cs) == 1 {
		nTables = 1
	}
	var luts [nQuantIndex]huffmanLUT
	tables := make([]huffTable, 0, nTables)
	for i := range nTables {
		s := optimalSpec(&counts[i])
		luts[i].init(s)
		tables = append(tables, huffTable{byte(i), s})
	}
	e.writeDHT(tables)
	refs := make([]*component, len(cs))
	for i := range cs {
		refs[i] = &cs[i]
	}
	e.writeSOSHeader(refs, 0, 0, 0, 0)
	prev = [3]int32{}
	forEachMCUBlock(cs, func(ci int, blk []int16) {
		d := int32(blk[0])
		e.emitHuffRLE(luts[cs[ci].q], 0, d-prev[ci])
		prev[ci] = d
	})
	e.endScan()
}

// maxEOBRun is the longest run of empty bands one EOBn symbol can code.
const maxEOBRun = 0x7fff

// acScanner walks the bands ss..se of a component's blocks as a first AC
// scan with Al = 0 codes them (section G.1.2.2): run/size symbols, ZRL for
// 16 zeroes before a value, and runs of blocks whose band ends in zeroes
// coded as one EOBRUN. sym is called for every Huffman symbol with the
// extra bits that follow it.
func acScanner(c *component, ss, se byte, sym func(s int32, extra, nExtra uint32)) {
	eobRun := uint32(0)
	flushEOB := func() {
		if eobRun == 0 {
			return
		}
		n := uint32(0)
		for eobRun>>(n+1) != 0 {
			n++
		}
		sym(int32(n<<4), eobRun&(1<<n-1), n)
		eobRun = 0
	}
	for by := range c.ch {
		for bx := range c.cw {
			blk := c.block(bx, by)
			run := int32(0)
			for k := ss; k <= se; k++ {
				v := int32(blk[k])
				if v == 0 {
					run++
					continue
				}
				flushEOB()
				for run > 15 {
					sym(0xf0, 0, 0)
					run -= 16
				}
				n, extra := magnitude(v)
				sym(run<<4|int32(n), extra, n)
				run = 0
			}
			if run > 0 {
				eobRun++
				if eobRun == maxEOBRun {
					flushEOB()
				}
			}
		}
	}
	flushEOB()
}

// writeACScan writes the one scan of bands ss..se of component c.
func (e *encoder) writeACScan(c *component, ss, se byte) {
	var counts symbolCounts
	acScanner(c, ss, se, func(s int32, _, _ uint32) { counts[s]++ })
	spec := optimalSpec(&counts)
	var lut huffmanLUT
	lut.init(spec)
	e.writeDHT([]huffTable{{0x10 | byte(c.q), spec}})
	e.writeSOSHeader([]*component{c}, ss, se, 0, 0)
	acScanner(c, ss, se, func(s int32, extra, nExtra uint32) {
		e.emitHuff(lut, s)
		if nExtra > 0 {
			e.emit(extra, nExtra)
		}
	})
	e.endScan()
}
