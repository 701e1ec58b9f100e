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
//     |r| < 99991 every intermediate value fits in 53 bits, so the loop is the
//     exact integer map n -> (17n + 13*2^32) mod (99991*2^32) on n = r*2^32,
//     again applied in O(log R). Almost every fractional input reaches such a
//     state within a few rounds (rounding to 53 bits at |17r+13| >= 2^20
//     lands on that grid). Positive states never change sign; a negative
//     fractional state turns positive when |r| < 13/17, which has no closed
//     form, so negative fractional states are iterated exactly until they do.
//   - Everything else runs the plain loop, with the remainder computed from a
//     reciprocal estimate of the small quotient and one exact correction
//     instead of math.Mod (see jsStep; the tests prove it equal to math.Mod).
//
// # Files
//
// FormatOf recognises inputs by extension: .json (an array of numbers, or an
// object with a "numbers" or "payload" array, the seed's request and message
// shapes), .ndjson/.jsonl (one such value per line, each its own task) and
// .csv/.tsv/.txt (numbers separated by commas, tabs, spaces or newlines, with
// # comments). ProcessFile streams a file through a Mapper in chunks with
// bounded memory and writes {"result":[...]} or {"stats":{...}} atomically;
// Split, ProcessRange and Assemble let a large text file be shared between
// several worker processes and give the same bytes as ProcessFile.
package numbers
