/*
 * stats.c - the statistics of uvm-collect diff: the Mann-Whitney U test
 * of two samples of runs, and Holm's correction over many tests.
 *
 * Mann-Whitney (Wilcoxon rank-sum) asks whether one sample tends to be
 * larger than the other without assuming a distribution: run timings
 * are skewed and have outliers, so a t-test would mislead.  Two-sided.
 * Without ties and with small samples the p-value is exact (the number
 * of the n1+n2 choose n1 orderings with a U as extreme); otherwise from
 * the normal approximation with the tie-corrected variance and a
 * continuity correction, as the textbooks and SciPy's "asymptotic"
 * method do.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "uvm_profile.h"
#include "util.h"

/* Exact when n1 * n2 is at most this (and no ties): 20 runs a side. */
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

/* P(U <= u) under the null hypothesis, for samples of m and n without
 * ties: the share of the orderings with at most u pairs (x > y).  The
 * counts obey N(m, n, u) = N(m - 1, n, u - n) + N(m, n - 1, u). */
static double exact_cdf(size_t m, size_t n, size_t u)
{
	size_t max = m * n, i, j, k;
	double *prev = xcalloc((n + 1) * (max + 1), sizeof(double));
	double *cur = xcalloc((n + 1) * (max + 1), sizeof(double));
	double total = 0, below = 0, *t;

	/* row i = m: N(i, j, k) for j = 0..n, k = 0..max */
#define AT(a, j, k) (a)[(j) * (max + 1) + (k)]
	for (j = 0; j <= n; j++)
		AT(prev, j, 0) = 1;	/* N(0, j, 0) = 1 */
	for (i = 1; i <= m; i++) {
		memset(cur, 0, (n + 1) * (max + 1) * sizeof(double));
		AT(cur, 0, 0) = 1;	/* N(i, 0, 0) = 1 */
		for (j = 1; j <= n; j++)
			for (k = 0; k <= i * j; k++)
				AT(cur, j, k) = (k >= j ? AT(prev, j, k - j) : 0) + AT(cur, j - 1, k);
		t = prev;
		prev = cur;
		cur = t;
	}
	for (k = 0; k <= max; k++) {
		total += AT(prev, n, k);
		if (k <= u)
			below += AT(prev, n, k);
	}
#undef AT
	free(prev);
	free(cur);
	return below / total;
}

double uvm_mann_whitney(const uint64_t *x, size_t n1, const uint64_t *y, size_t n2)
{
	size_t n = n1 + n2, i, j;
	struct ranked *r;
	double r1 = 0, u1, u, mu, var, ties = 0, z, p;

	if (!n1 || !n2)
		return 1;
	r = xcalloc(n, sizeof(*r));
	for (i = 0; i < n1; i++)
		r[i] = (struct ranked){ x[i], 0 };
	for (i = 0; i < n2; i++)
		r[n1 + i] = (struct ranked){ y[i], 1 };
	qsort(r, n, sizeof(*r), by_value);
	/* ranks 1..n, the average over a run of equal values */
	for (i = 0; i < n; i = j) {
		double rank, t;

		for (j = i + 1; j < n && r[j].v == r[i].v; j++)
			;
		rank = (double)(i + 1 + j) / 2;
		t = (double)(j - i);
		ties += t * t * t - t;
		for (size_t k = i; k < j; k++)
			if (!r[k].side)
				r1 += rank;
	}
	free(r);
	u1 = r1 - (double)n1 * (double)(n1 + 1) / 2;
	u = fmin(u1, (double)n1 * (double)n2 - u1);
	if (ties == 0 && n1 * n2 <= EXACT_MAX_PRODUCT) {
		p = 2 * exact_cdf(n1, n2, (size_t)u);
		return p < 1 ? p : 1;
	}
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
