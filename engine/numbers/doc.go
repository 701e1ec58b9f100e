// Package numbers is imgpar's number-array job kind: it runs the seed's
// JavaScript number workloads (double, square, heavy) and a stats summary on
// arrays of numbers read from JSON, NDJSON and plain-text files, with results
// that are bit-identical to what Node.js computes and prints.
//
// # Semantics
//
// Every value is an IEEE-754 double, as in JavaScript. The map operations are
//
//	double: x * 2                      (the seed's cluster example)
//	square: x ** 2, which V8 computes as x * x (the worker_threads example)
//	heavy:  result = x; repeat R times: result = (result * 17 + 13) % 99991
//	        (the seed's workerTask.js, R = 1e6 by default)
//
// where % is JavaScript's remainder: truncated, with the sign of the dividend,
// -0 preserved (math.Mod semantics). Results are printed as JSON.stringify
// prints a number (see AppendJS): shortest round-trip digits, -0 as 0 and a
// non-finite value as null.
//
// # How heavy is fast and still exact
//
// heavy never approximates: every shortcut below is an exact reformulation of
// the double-precision iteration, and tests check it against the plain loop,
// against a committed golden file produced by node and, when node is on PATH,
// against node itself on random inputs of every kind.
//
//   - Inputs with |x| >= 99991 (and ±Inf) take their first round with
//     math.Mod, exactly as JavaScript does; afterwards |result| < 99991.
//   - An integer-valued state stays integral, and 17r+13 is exact, so the
//     iteration is the affine map r -> (17r+13) mod 99991 on non-negative
//     states, and t -> (17t-13) mod 99991 on the magnitude t of negative ones.
//     R rounds of an affine map are applied in O(log R) with precomputed
//     powers. A negative chain can only leave for the positive one through a
//     zero remainder, which is -0 in JavaScript (the next round gives 13); a
//     table of each negative state's distance to -0, built once on first use,
//     settles that exactly.
//   - A fractional state that is a multiple of 2^-32 stays one: with
//     |r| < 99991 every intermediate value fits in 53 bits, so the round is
//     the exact integer map n -> (17n + 13*2^32) mod (99991*2^32) on
//     n = r*2^32. Almost every fractional input reaches such a state within
//     a few rounds (rounding to 53 bits at |17r+13| >= 2^20 lands on that
//     grid), or starts on it. Positive states never change sign, so they
//     finish in O(log R). A negative fractional state turns positive when
//     |r| < 13/17, and the first time that happens has no closed form, so
//     negative states are iterated exactly in integers, three rounds at a
//     time (about 1.5 ns a round, ~0.2 ms for a typical value at R = 1e6),
//     for at most one period of the map, after which they provably never
//     turn positive and also finish in O(log R).
//   - Everything else runs the plain loop, with the remainder computed from a
//     reciprocal estimate of the small quotient and one exact correction
//     instead of math.Mod (see jsStep; the tests prove it equal to math.Mod).
//
// # Files
//
// FormatOf recognises inputs by extension: .json (an array of numbers, or an
// object with a "numbers" or "payload" array, the seed's request and message
// shapes; both keys, or one twice, is an error), .ndjson/.jsonl (one such
// value per line, each its own task, blank lines skipped) and
// .csv/.tsv/.txt (numbers separated by commas, tabs, spaces or newlines). In
// text files a '#' at the start of a token comments out the rest of the
// line, a UTF-8 byte order mark is ignored, and every comma-separated field
// must hold a number: "1,,2", a leading comma and a trailing comma are
// errors (`not a number: ""`). Text tokens are read as JavaScript's Number()
// reads decimals (".5", "5.", "+1", "1e5"; not hex, Infinity or NaN), JSON
// numbers by the JSON grammar; both are correctly rounded, and magnitudes
// beyond the double range give ±Infinity as in JavaScript. Errors are
// *ParseError, "PATH:LINE:COL: MSG" with 1-based line and byte column.
//
// ProcessFile streams a file through a Mapper in chunks with bounded memory
// (parsing overlaps mapping and writing) and writes {"result":[...]} or
// {"stats":{...}} atomically. Split, ProcessRange and Assemble let a large
// text file be shared between several worker processes and give the same
// bytes as ProcessFile. ProcessValues serves in-memory arrays (the HTTP API).
package numbers
