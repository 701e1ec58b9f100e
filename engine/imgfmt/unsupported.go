package imgfmt

// unsupportedError is a refusal whose text is the whole message ("arithmetic-coded
// JPEG is not supported") and which matches ErrUnsupported.
type unsupportedError string

func (e unsupportedError) Error() string { return string(e) }
func (e unsupportedError) Unwrap() error { return ErrUnsupported }

// Unsupported returns the refusal for a file whose header Probe read but
// whose coding imgpar cannot decode, known from the header alone; nil if
// there is none. It catches arithmetic-coded, lossless and hierarchical
// JPEGs by their frame marker (SOF9..SOF11 and SOF13..SOF15 are arithmetic;
// SOF3, SOF7 and SOF11, SOF15 lossless; SOF5..SOF7 and SOF13..SOF15
// hierarchical), before any decoder meets the scan data and reports
// something vaguer. The error matches ErrUnsupported.
func (h Header) Unsupported() error {
	if h.Format != JPEG {
		return nil
	}
	switch h.SOF {
	case 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF:
		return unsupportedError("arithmetic-coded JPEG is not supported")
	case 0xC3:
		return unsupportedError("lossless JPEG (SOF3) is not supported")
	case 0xC5, 0xC6, 0xC7:
		return unsupportedError("hierarchical JPEG is not supported")
	}
	return nil
}
