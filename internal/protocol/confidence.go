package protocol

// Weights of each built-in protocol in a run's confidence. Protocols not
// listed (custom ones) weigh DefaultWeight.
var Weights = map[string]float64{
	"proofguard":    0.30,
	"laserlogic":    0.25,
	"bedrock":       0.20,
	"gigathink":     0.15,
	"brutalhonesty": 0.10,
}

// DefaultWeight is the weight of a protocol missing from Weights.
const DefaultWeight = 0.10

// Band names a confidence range.
func Band(c float64) string {
	switch {
	case c >= 0.95:
		return "very high"
	case c >= 0.85:
		return "high"
	case c >= 0.70:
		return "moderate"
	case c >= 0.50:
		return "low"
	}
	return "insufficient"
}

// meanConfidence averages the confidences that are present; ok is false
// when none is.
func meanConfidence(cs []*float64) (float64, bool) {
	sum, n := 0.0, 0
	for _, c := range cs {
		if c != nil {
			sum += *c
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

// RunConfidence is the weighted mean of per-protocol confidences (a
// protocol run more than once contributes the mean of its runs), with the
// weights renormalised over the protocols that have a confidence. ok is
// false when none has.
func RunConfidence(byProtocol map[string][]float64) (float64, bool) {
	sum, wsum := 0.0, 0.0
	for id, cs := range byProtocol {
		if len(cs) == 0 {
			continue
		}
		mean := 0.0
		for _, c := range cs {
			mean += c
		}
		mean /= float64(len(cs))
		w, ok := Weights[id]
		if !ok {
			w = DefaultWeight
		}
		sum += w * mean
		wsum += w
	}
	if wsum == 0 {
		return 0, false
	}
	return sum / wsum, true
}
