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
	/* ties: the normal approximation, by hand: U1 = 7, mean 18,
	 * tie-corrected sd sqrt(36/12 * (13 - 126/132)) = 5.9658, z = (11 -
	 * 0.5) / 5.9658 = 1.7600, two-sided p = erfc(z / sqrt 2) = 0.078403 */
	{
		uint64_t t1[] = { 1, 2, 2, 3, 3, 3 }, t2[] = { 2, 3, 3, 4, 4, 5 };

		p = uvm_mann_whitney(t1, 6, t2, 6);
		CHECK(fabs(p - 0.078403) < 1e-5);
	}
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
