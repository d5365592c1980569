/*
 * stats.c - the statistics of uvm-collect diff: the Mann-Whitney U test
 * of two samples of runs, and Holm's correction over many tests.
 *
 * Mann-Whitney (Wilcoxon rank-sum) asks whether one sample tends to be
 * larger than the other without assuming a distribution: run timings
 * are skewed and have outliers, so a t-test would mislead.  Two-sided.
 * With small samples the p-value is exact, ties or not (the share of the
 * n1+n2 choose n1 orderings with a rank sum as extreme, under the ties
 * there are: timings read from a histogram's buckets tie often, and the
 * normal approximation is then far off, 6e-4 for 8 against 8 completely
 * apart where the exact p is 1.6e-4); otherwise from the normal
 * approximation with the tie-corrected variance and a continuity
 * correction, as the textbooks and SciPy's "asymptotic" method do.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "uvm_profile.h"
#include "util.h"

/* Exact when n1 * n2 is at most this: 20 runs a side. */
#define EXACT_MAX_PRODUCT 400

struct ranked {
	uint64_t v;
	int side;
};

static int by_value(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	return x->v < y->v ? -1 : x->v > y->v;
}

/* The two-sided p, exact: the share of the C(n, n1) ways to pick n1 of
 * the n ranks for the first sample whose rank sum lies as far from its
 * mean as the observed one, obs.  Ranks are doubled (d2), so that the
 * average ranks of ties are integers too: the distribution is the one
 * these ties give, not the one without ties.  Counted by sum for each
 * size, one rank at a time.  n1 is the smaller sample and n1 * (n - n1)
 * <= 400: the counts are at most C(40, 20) < 2^53, exact in a double. */
static double exact_p(const unsigned *d2, size_t n, size_t n1, unsigned long obs)
{
	size_t max = n * (n + 1), i, j, k;
	double *c = xcalloc((n1 + 1) * (max + 1), sizeof(double)), total = 0, far = 0;
	long mean = (long)(n1 * (n + 1)), dobs = labs((long)obs - mean);

#define AT(j, k) c[(j) * (max + 1) + (k)]
	AT(0, 0) = 1;
	for (i = 0; i < n; i++)
		for (j = i + 1 < n1 ? i + 1 : n1; j > 0; j--)
			for (k = max; k >= d2[i]; k--)
				AT(j, k) += AT(j - 1, k - d2[i]);
	for (k = 0; k <= max; k++) {
		total += AT(n1, k);
		if (labs((long)k - mean) >= dobs)
			far += AT(n1, k);
	}
#undef AT
	free(c);
	return far / total;
}

double uvm_mann_whitney(const uint64_t *x, size_t n1, const uint64_t *y, size_t n2)
{
	size_t n = n1 + n2, i, j;
	struct ranked *r;
	unsigned *d2;
	unsigned long s2 = 0;
	double r1 = 0, u1, mu, var, ties = 0, z, p;

	if (!n1 || !n2)
		return 1;
	r = xcalloc(n, sizeof(*r));
	for (i = 0; i < n1; i++)
		r[i] = (struct ranked){ x[i], 0 };
	for (i = 0; i < n2; i++)
		r[n1 + i] = (struct ranked){ y[i], 1 };
	qsort(r, n, sizeof(*r), by_value);
	d2 = xcalloc(n, sizeof(*d2));
	/* ranks 1..n, the average over a run of equal values (doubled:
	 * i + 1 + j, an integer) */
	for (i = 0; i < n; i = j) {
		double t;

		for (j = i + 1; j < n && r[j].v == r[i].v; j++)
			;
		t = (double)(j - i);
		ties += t * t * t - t;
		for (size_t k = i; k < j; k++) {
			d2[k] = (unsigned)(i + 1 + j);
			if (!r[k].side)
				s2 += d2[k];
		}
	}
	free(r);
	r1 = (double)s2 / 2;
	u1 = r1 - (double)n1 * (double)(n1 + 1) / 2;
	if (n1 * n2 <= EXACT_MAX_PRODUCT) {
		/* the smaller sample picks (the same p either way) */
		p = n1 <= n2 ? exact_p(d2, n, n1, s2) :
			       exact_p(d2, n, n2, (unsigned long)n * (n + 1) - s2);
		free(d2);
		return p < 1 ? p : 1;
	}
	free(d2);
	mu = (double)n1 * (double)n2 / 2;
	var = (double)n1 * (double)n2 / 12 * ((double)(n + 1) - ties / ((double)n * (double)(n - 1)));
	if (var <= 0)
		return 1;	/* every value equal */
	z = (fabs(u1 - mu) - 0.5) / sqrt(var);
	if (z < 0)
		z = 0;
	p = erfc(z / M_SQRT2);
	return p < 1 ? p : 1;
}

double uvm_mann_whitney_min_p(size_t n1, size_t n2)
{
	double c = 1, mu, z;
	size_t i;

	if (!n1 || !n2)
		return 1;
	if (n1 * n2 <= EXACT_MAX_PRODUCT) {
		/* the two orderings completely apart, of C(n1 + n2, n1) */
		for (i = 1; i <= n1; i++)
			c = c * (double)(n2 + i) / (double)i;
		return 2 / c < 1 ? 2 / c : 1;
	}
	/* completely apart, no ties: |U - mu| = mu */
	mu = (double)n1 * (double)n2 / 2;
	z = (mu - 0.5) / sqrt(mu / 6 * (double)(n1 + n2 + 1));
	return erfc(z / M_SQRT2);
}

struct pi {
	double p;
	size_t i;
};

static int by_p(const void *a, const void *b)
{
	const struct pi *x = a, *y = b;

	return x->p < y->p ? -1 : x->p > y->p ? 1 : (x->i > y->i) - (x->i < y->i);
}

void uvm_holm(const double *p, size_t m, double *adj)
{
	struct pi *s = xcalloc(m, sizeof(*s));
	double run = 0;
	size_t k;

	for (k = 0; k < m; k++)
		s[k] = (struct pi){ p[k], k };
	qsort(s, m, sizeof(*s), by_p);
	/* the k-th smallest times (m - k), kept from falling below the ones
	 * before it */
	for (k = 0; k < m; k++) {
		double a = s[k].p * (double)(m - k);

		if (a > run)
			run = a;
		adj[s[k].i] = run < 1 ? run : 1;
	}
	free(s);
}
