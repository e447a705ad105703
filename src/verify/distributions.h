// Exact tail probabilities of the distributions the judge's tests use. Pure; thread-safe (no
// global state: log-gamma through lgamma_r, which does not write signgam).
//
// Counts are doubles holding whole numbers (up to 2^53); callers validate them. Every function
// returns a probability in [0, 1], summing the shorter tail in log space so that tiny p-values
// (1e-300) keep their relative precision and huge counts (10^9) neither overflow nor take longer
// than a few thousand terms past the mode.
#pragma once

namespace ferry::verify {

// P(X >= k) for X ~ Binomial(n, p).
double BinomialUpperTail(double k, double n, double p);
// P(X <= k) for X ~ Binomial(n, p).
double BinomialLowerTail(double k, double n, double p);
// P(X >= k) for X ~ BetaBinomial(n, a, b), a, b >= 1: the number of n draws above a threshold
// whose exceedance probability is Beta(a, b) distributed.
double BetaBinomialUpperTail(double k, double n, double a, double b);
// P(Z >= z) for a standard normal Z (erfc, accurate far into the tail).
double NormalUpperTail(double z);
// log Gamma(x) for x > 0, thread-safe.
double LogGamma(double x);

}  // namespace ferry::verify
