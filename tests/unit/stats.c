/* stats.c - the Mann-Whitney U test and Holm's correction (helpers/stats.c)
 * against the distribution counted by brute force and textbook values. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "uvm_profile.h"
#include "unit.h"

/* Two-sided p of samples x (m) and y (n) without ties, by counting every
 * way to pick which m of the m + n ranks are x's. */
static double brute_p(const uint64_t *x, size_t m, const uint64_t *y, size_t n)
{
	size_t total = m + n, count = 0, extreme = 0, i, j;
	double u1 = 0, u, mine;

	for (i = 0; i < m; i++)
		for (j = 0; j < n; j++)
			u1 += x[i] > y[j];
	mine = fmin(u1, (double)(m * n) - u1);
	for (uint32_t mask = 0; mask < (1u << total); mask++) {
		if ((size_t)__builtin_popcount(mask) != m)
			continue;
		/* ranks in mask are x's: U = pairs (x rank > y rank) */
		u = 0;
		for (i = 0; i < total; i++)
			if (mask & (1u << i))
				for (j = 0; j < i; j++)
					u += !(mask & (1u << j));
		count++;
		extreme += fmin(u, (double)(m * n) - u) <= mine;
	}
	return (double)extreme / (double)count;
}

/* Two-sided p with ties: every way to pick which m of the m + n values
 * are x's, the rank sum (average ranks of ties) as far from its mean. */
static double brute_ties(const uint64_t *x, size_t m, const uint64_t *y, size_t n)
{
	size_t total = m + n, i, j, count = 0, far = 0;
	uint64_t v[32];
	double rank[32], obs = 0, mean = (double)m * (double)(total + 1) / 2;

	for (i = 0; i < m; i++)
		v[i] = x[i];
	for (i = 0; i < n; i++)
		v[m + i] = y[i];
	for (i = 0; i < total; i++) {	/* 1 + the values below + half the equal others */
		double below = 0, equal = 0;

		for (j = 0; j < total; j++) {
			below += v[j] < v[i];
			equal += j != i && v[j] == v[i];
		}
		rank[i] = 1 + below + equal / 2;
	}
	for (i = 0; i < m; i++)
		obs += rank[i];
	for (uint32_t mask = 0; mask < (1u << total); mask++) {
		double s = 0;

		if ((size_t)__builtin_popcount(mask) != m)
			continue;
		for (i = 0; i < total; i++)
			if (mask & (1u << i))
				s += rank[i];
		count++;
		far += fabs(s - mean) >= fabs(obs - mean) - 1e-9;
	}
	return (double)far / (double)count;
}

void test_mann_whitney(void)
{
	uint64_t a[] = { 1, 2, 3, 4, 5 }, b[] = { 6, 7, 8, 9, 10 }, c[] = { 7, 7, 7, 7, 7 };
	uint64_t x[] = { 12, 30, 7, 21, 44, 5 }, y[] = { 19, 50, 61, 33, 70, 29, 90 };
	uint64_t big1[30], big2[30];
	double p;
	int i;

	/* completely separated samples of 5: 2 of the 252 orderings */
	p = uvm_mann_whitney(a, 5, b, 5);
	CHECK(fabs(p - 2.0 / 252) < 1e-12);
	CHECK(fabs(uvm_mann_whitney(b, 5, a, 5) - p) < 1e-12);
	/* the same sample, and all values equal: no evidence at all */
	CHECK(uvm_mann_whitney(a, 5, a, 5) == 1);
	CHECK(uvm_mann_whitney(c, 5, c, 5) == 1);
	CHECK(uvm_mann_whitney(a, 0, b, 5) == 1);
	/* exact p against the counted distribution */
	p = uvm_mann_whitney(x, 6, y, 7);
	CHECK(fabs(p - brute_p(x, 6, y, 7)) < 1e-12);
	CHECK(fabs(uvm_mann_whitney(x, 3, y, 4) - brute_p(x, 3, y, 4)) < 1e-12);
	/* large samples: the normal approximation, close to exact's answer
	 * (30 + 30 shifted by a third of the range: strongly different) */
	for (i = 0; i < 30; i++) {
		big1[i] = (uint64_t)(i * 7 % 30) * 10;
		big2[i] = (uint64_t)(i * 11 % 30) * 10 + 105;
	}
	p = uvm_mann_whitney(big1, 30, big2, 30);
	CHECK(p > 0 && p < 0.01);
	/* ties, small samples: exact under the ties, against the counted
	 * distribution (the normal approximation said 0.078403 here) */
	{
		uint64_t t1[] = { 1, 2, 2, 3, 3, 3 }, t2[] = { 2, 3, 3, 4, 4, 5 };

		p = uvm_mann_whitney(t1, 6, t2, 6);
		CHECK(fabs(p - brute_ties(t1, 6, t2, 6)) < 1e-12);
		CHECK(fabs(uvm_mann_whitney(t2, 6, t1, 6) - p) < 1e-12);
		CHECK(fabs(uvm_mann_whitney(t1, 4, t2, 6) - brute_ties(t1, 4, t2, 6)) < 1e-12);
	}
	/* completely apart, each side's values tied (percentiles read from
	 * histogram buckets): 2 of the C(16, 8) = 12870 orderings */
	{
		uint64_t lo[] = { 5, 5, 5, 7, 5, 5, 7, 5 }, hi[] = { 9, 9, 9, 9, 9, 9, 11, 9 };

		p = uvm_mann_whitney(lo, 8, hi, 8);
		CHECK(fabs(p - 2.0 / 12870) < 1e-15);
	}
	/* the smallest p: what samples completely apart give, exact or
	 * approximated; nothing from an empty side */
	CHECK(fabs(uvm_mann_whitney_min_p(5, 5) - 2.0 / 252) < 1e-15);
	CHECK(fabs(uvm_mann_whitney_min_p(10, 10) - 2.0 / 184756) < 1e-18);
	CHECK(fabs(uvm_mann_whitney_min_p(3, 4) - uvm_mann_whitney(a, 3, b, 4)) < 1e-15);
	CHECK(uvm_mann_whitney_min_p(0, 5) == 1);
	for (i = 0; i < 30; i++) {
		big1[i] = (uint64_t)i;
		big2[i] = (uint64_t)i + 100;
	}
	p = uvm_mann_whitney(big1, 30, big2, 30);
	CHECK(p > 0 && fabs(uvm_mann_whitney_min_p(30, 30) - p) < 1e-12 * p);
	CHECK(uvm_mann_whitney(x, 5, y + 1, 5) >= uvm_mann_whitney_min_p(5, 5));
}

void test_holm(void)
{
	double p[] = { 0.01, 0.04, 0.03, 0.005 }, adj[4];
	double one[] = { 0.7 }, adj1[1];

	uvm_holm(p, 4, adj);
	CHECK(fabs(adj[3] - 0.02) < 1e-12);	/* 0.005 * 4 */
	CHECK(fabs(adj[0] - 0.03) < 1e-12);	/* 0.01 * 3 */
	CHECK(fabs(adj[2] - 0.06) < 1e-12);	/* 0.03 * 2 */
	CHECK(fabs(adj[1] - 0.06) < 1e-12);	/* 0.04 * 1, kept at 0.06 */
	uvm_holm(one, 1, adj1);
	CHECK(adj1[0] == 0.7);
}
