/*
 * test_diag.c -- the findings catalogue: every id has a name and a fix,
 * names are unique, and the exit status follows the contract.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "diag.h"

static void
every_id_has_name_and_hint(void **state)
{
	const char *names[FR_FIND_COUNT + FR_CHECK_COUNT];
	size_t n = 0, i, k;
	int id;

	(void)state;
	/* a resolver finding added without a hint in diag/diag.c fails
	 * here, not in front of a user */
	for (id = 0; id < FR_FIND_COUNT; id++) {
		assert_non_null(fr_finding_name((enum fr_finding_id)id));
		assert_true(fr_finding_has_hint((enum fr_finding_id)id));
		names[n++] = fr_finding_name((enum fr_finding_id)id);
	}
	for (id = 0; id < FR_CHECK_COUNT; id++) {
		const char *hint = fr_check_hint((enum fr_check)id);

		assert_non_null(fr_check_name((enum fr_check)id));
		assert_non_null(hint);
		assert_null(strchr(hint, '\n'));
		names[n++] = fr_check_name((enum fr_check)id);
	}
	for (i = 0; i < n; i++)
		for (k = i + 1; k < n; k++)
			assert_string_not_equal(names[i], names[k]);
}

static void
exit_status(void **state)
{
	struct fr_plan *plan = fr_plan_new(FR_PROFILE_SIP, "x.test");
	struct fr_diag d;

	(void)state;
	assert_non_null(plan);
	plan->result = FR_RESULT_OK;
	fr_diag_init(&d);
	assert_int_equal(fr_diag_exit_status(&d, plan), 0);
	fr_diag_add(&d, FR_CHECK_LEGACY_SRV_LABEL, FR_SEV_INFO, -1, "i");
	assert_int_equal(fr_diag_exit_status(&d, plan), 0);
	fr_diag_add(&d, FR_CHECK_CERT_EXPIRED, FR_SEV_ERROR, 0, "e");
	assert_int_equal(fr_diag_exit_status(&d, plan), 1);	/* a route */
	fr_diag_add(&d, FR_CHECK_ADDRESS_NOT_PUBLIC, FR_SEV_WARNING, 0, "w");
	assert_int_equal(fr_diag_exit_status(&d, plan), 1);
	fr_diag_add(&d, FR_CHECK_NO_TARGET_USABLE, FR_SEV_ERROR, -1, "n");
	assert_int_equal(fr_diag_exit_status(&d, plan), 2);	/* none */
	d.incomplete = true;
	assert_int_equal(fr_diag_exit_status(&d, plan), 3);
	plan->result = FR_RESULT_NXDOMAIN;
	assert_int_equal(fr_diag_exit_status(&d, plan), 2);
	assert_true(fr_diag_has(&d, FR_CHECK_CERT_EXPIRED));
	assert_false(fr_diag_has(&d, FR_CHECK_TTL_LOW));
	assert_string_equal(d.findings[1].message, "e");
	assert_int_equal(d.findings[1].target, 0);
	fr_diag_clear(&d);
	fr_plan_free(plan);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_id_has_name_and_hint),
		cmocka_unit_test(exit_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
