package experiment

import "math"

// The statistics of a verdict, stated once here and on the results page.
//
// Method: each arm is compared with the control (the first arm) by a
// two-sided two-proportion z-test with the pooled proportion:
//
//	p̂ = (x₀ + x₁) / (n₀ + n₁)
//	z = (x₁/n₁ − x₀/n₀) / √(p̂ (1 − p̂) (1/n₀ + 1/n₁))
//	p-value = 2 (1 − Φ(|z|)) = erfc(|z| / √2)
//
// where n is the visitors exposed to an arm and x those of them who
// converted. With k arms besides the control the significance level
// Alpha is divided by k (Bonferroni), so adding arms does not make a
// false winner likelier. No verdict is given before every arm has at least
// MinExposures exposed visitors and MinConversions conversions: a z-test
// on fewer is not trustworthy (the normal approximation needs about ten
// successes per group) and an early peek is the commonest way to crown a
// false winner.
//
// The probability to beat the control is Bayesian: with uniform Beta(1, 1)
// priors the conversion rates' posteriors are Beta(1 + x, 1 + n − x), and
// P(p₁ > p₀) is computed exactly (Evan Miller's closed form for Beta
// variables with integer parameters). It is shown beside the test, never
// used for the verdict.
const (
	Alpha          = 0.05
	MinExposures   = 100
	MinConversions = 10
)

// ZTest is the two-sided two-proportion z-test of x1/n1 against x0/n0
// (pooled standard error). ok is false when it is undefined (an empty
// group, or no variance: every visitor or none converted in both).
func ZTest(x0, n0, x1, n1 int64) (z, p float64, ok bool) {
	if n0 <= 0 || n1 <= 0 {
		return 0, 0, false
	}
	pool := float64(x0+x1) / float64(n0+n1)
	se := math.Sqrt(pool * (1 - pool) * (1/float64(n0) + 1/float64(n1)))
	if se == 0 {
		return 0, 0, false
	}
	z = (float64(x1)/float64(n1) - float64(x0)/float64(n0)) / se
	return z, math.Erfc(math.Abs(z) / math.Sqrt2), true
}

// ProbBeats is P(B > A) for independent A ~ Beta(aA, bA) and B ~ Beta(aB,
// bB) with integer aB ≥ 1 (exact sum; Evan Miller, "Formulas for Bayesian
// A/B testing", 2015):
//
//	P = Σ_{i=0}^{aB−1} B(aA+i, bA+bB) / ((bB+i) B(1+i, bB) B(aA, bA))
func ProbBeats(aA, bA, aB, bB float64) float64 {
	lbeta := func(a, b float64) float64 {
		la, _ := math.Lgamma(a)
		lb, _ := math.Lgamma(b)
		lab, _ := math.Lgamma(a + b)
		return la + lb - lab
	}
	total := 0.0
	for i := 0.0; i < aB; i++ {
		total += math.Exp(lbeta(aA+i, bA+bB) - math.Log(bB+i) - lbeta(1+i, bB) - lbeta(aA, bA))
	}
	return math.Max(0, math.Min(1, total))
}

// probToBeat is the posterior probability that the arm's conversion rate
// is above the control's (uniform priors).
func probToBeat(x0, n0, x1, n1 int64) float64 {
	return ProbBeats(float64(1+x0), float64(1+n0-x0), float64(1+x1), float64(1+n1-x1))
}
