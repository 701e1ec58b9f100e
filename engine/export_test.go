package engine

// Inputs spells out every input, for tests that look at the whole walk.
func (c *Collected) Inputs() []Input {
	out := make([]Input, c.Len())
	for i := range out {
		out[i] = c.Input(i)
	}
	return out
}
