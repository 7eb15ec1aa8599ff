/*
 * test_conf.c -- fedrouted.conf: the grammar, the values and their
 * bounds, defaults, references between sections, health-check
 * inheritance, file:line errors, printing, and that the manual
 * documents every option.
 */
#include "config.h"

#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"

static char tmpdir[] = "/tmp/fr-test-conf-XXXXXX";
static char errs[8192];
static char path[512];

static void
collect(void *arg, const char *msg)
{
	size_t len = strlen(errs);

	(void)arg;
	snprintf(errs + len, sizeof(errs) - len, "%s\n", msg);
}

static void
write_file(const char *name, const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Parse text as a file; NULL with the problems in errs. */
static struct fr_config *
load(const char *text)
{
	errs[0] = '\0';
	write_file("fedrouted.conf", text);
	return fr_config_read(path, 0, collect, NULL);
}

static struct fr_config *
ok(const char *text)
{
	struct fr_config *cfg = load(text);

	if (cfg == NULL)
		fail_msg("expected a valid configuration, got:\n%s", errs);
	return cfg;
}

/* The text must fail with a message that holds "FILE:LINE: " and want. */
static void
bad(const char *text, int line, const char *want)
{
	struct fr_config *cfg = load(text);
	char where[600];

	if (cfg != NULL) {
		fr_config_free(cfg);
		fail_msg("expected an error \"%s\" on line %d", want, line);
	}
	if (line > 0)
		snprintf(where, sizeof(where), "%s:%d: ", path, line);
	else
		snprintf(where, sizeof(where), "%s: ", path);
	if (strstr(errs, where) == NULL || strstr(errs, want) == NULL)
		fail_msg("expected \"%s\" ... \"%s\", got:\n%s", where, want,
		    errs);
}

#define NODE_A	"node:\n name: a\n address: 127.0.0.2:5062\n"
#define NODE_B	"node:\n name: b\n address: 127.0.0.3:5062\n"
#define LSN_A	"listener:\n address: 127.0.0.1:5061\n target: node a\n"

static void
defaults(void **state)
{
	struct fr_config *cfg;
	const struct fr_node_conf *n;

	(void)state;
	cfg = ok(NODE_A LSN_A);
	assert_int_equal(cfg->edge.set.connect_timeout_ms, 4000);
	assert_int_equal(cfg->edge.set.client_idle_ms, 1800000);
	assert_int_equal(cfg->edge.set.server_idle_ms, 1800000);
	assert_int_equal(cfg->edge.set.connect_retries, 2);
	assert_int_equal(cfg->edge.set.max_connections, 10000);
	assert_int_equal(cfg->edge.set.max_per_source, 0);
	assert_int_equal(cfg->edge.set.buffer_size, 16384);
	assert_true(cfg->edge.set.splice);
	assert_string_equal(cfg->user, "fedroute");
	assert_null(cfg->pidfile);
	assert_int_equal(cfg->log_level, LOG_INFO);
	assert_int_equal(cfg->edge.resolver.timeout_ms, 5000);
	assert_int_equal(cfg->edge.nnodes, 1);
	n = &cfg->edge.nodes[0];
	assert_string_equal(n->name, "a");
	assert_int_equal(n->transport, FR_NODE_TCP);
	assert_int_equal(n->weight, 1);
	assert_int_equal(n->check.kind, FR_CHECK_TCP);
	assert_int_equal(n->check.interval_ms, 2000);
	assert_int_equal(n->check.timeout_ms, 1000);
	assert_int_equal(n->check.rise, 2);
	assert_int_equal(n->check.fall, 3);
	assert_int_equal(n->check.alive.lo, 200);
	assert_int_equal(n->check.alive.hi, 499);
	assert_true(n->tls.verify);
	assert_int_equal(cfg->edge.nlisteners, 1);
	assert_null(cfg->edge.listeners[0].name);
	assert_string_equal(cfg->edge.listeners[0].node, "a");
	assert_null(cfg->edge.listeners[0].pool);
	assert_int_equal(cfg->edge.listeners[0].target_idx, 0);
	assert_int_equal(cfg->edge.listeners[0].backlog, 511);
	fr_config_free(cfg);
}

static void
values(void **state)
{
	struct fr_config *cfg;

	(void)state;
	cfg = ok("# a comment\nserver:\n"
	    "\tconnect-timeout: 250      # bare number: milliseconds\n"
	    "\tclient-idle-timeout: 1800000\n"
	    "\tserver-idle-timeout: 1h\n"
	    "\tdrain-timeout: 0\n"
	    "\tbuffer-size: 64k\n"
	    "\tsplice: no\n"
	    "\tuser: \"\"\n"
	    "\tlog-level: debug\n"
	    "\tpublic-address: 198.51.100.10\n"
	    "\tpublic-address: 2001:db8::10\n"
	    NODE_A " tls-ciphers: \"ignored # but quoted\"\n transport: tls\n"
	    " tls-server-name: Node-A.Example.\n"
	    "listener:\n address: [::1]:5061\n target: node a\n"
	    "route:\n domain: *.Partner.Example\n next-hop: [2001:db8::1]:5061\n");
	assert_int_equal(cfg->edge.set.connect_timeout_ms, 250);
	assert_int_equal(cfg->edge.set.client_idle_ms, 1800000);
	assert_int_equal(cfg->edge.set.server_idle_ms, 3600000);
	assert_int_equal(cfg->edge.set.drain_ms, 0);
	assert_int_equal(cfg->edge.set.buffer_size, 65536);
	assert_false(cfg->edge.set.splice);
	assert_string_equal(cfg->user, "");
	assert_int_equal(cfg->log_level, LOG_DEBUG);
	assert_int_equal(cfg->edge.public_addresses.n, 2);
	assert_string_equal(cfg->edge.public_addresses.v[1], "2001:db8::10");
	assert_string_equal(cfg->edge.nodes[0].tls.ciphers,
	    "ignored # but quoted");
	assert_string_equal(cfg->edge.nodes[0].tls.server_name,
	    "node-a.example");
	assert_int_equal(fr_addr_port(&cfg->edge.listeners[0].addr), 5061);
	assert_string_equal(cfg->edge.routes[0].domain, "*.partner.example");
	assert_string_equal(cfg->edge.routes[0].next_hop.host, "2001:db8::1");
	assert_int_equal(cfg->edge.routes[0].next_hop.port, 5061);
	fr_config_free(cfg);
}

static void
grammar_errors(void **state)
{
	(void)state;
	bad("weight: 3\n", 1, "outside any section");
	bad("server:\nfoo bar\n", 2, "expected \"key: value\" or \"section:\"");
	bad("server: yes\n", 1, "is a section; it takes no value");
	bad("server:\n user: \"x\n", 2, "must end with \" on the same line");
	bad("server:\n user: \"x\" y\n", 2, "nothing but a comment may follow");
	bad("server:\n user:\n", 2, "user: expected a value (\"\" for an "
	    "empty one) after it");
	bad(NODE_A " wieght: 3\n", 4, "unknown option wieght: in node: (did "
	    "you mean weight:?)");
	bad(NODE_A " name: b\n", 4, "name: given twice in this node: (first "
	    "on line 2)");
	bad("node:\n address: 127.0.0.2:5062\n" LSN_A, 1,
	    "this node: section has no name: (it is required)");
	bad("", 0, "no listener: section");
}

static void
value_errors(void **state)
{
	(void)state;
	bad("server:\n connect-timeout: 4x\n", 2, "connect-timeout: expected "
	    "a duration from 10ms to 5m");
	bad("server:\n connect-timeout: 6m\n", 2, "not \"6m\"");
	bad("server:\n connect-timeout: -1\n", 2, "a duration");
	bad("server:\n max-connections: 0\n", 2, "a whole number from 1 to "
	    "1000000");
	bad("server:\n max-connections: 99999999999999999999999\n", 2,
	    "a whole number");
	bad("server:\n buffer-size: 1k\n", 2, "a size from 4k to 1m");
	bad("server:\n splice: true\n", 2, "yes or no");
	bad("server:\n log-level: verbose\n", 2, "one of err, warning, "
	    "notice, info, debug");
	bad("server:\n public-address: example.com\n", 2, "an IPv4 or IPv6 "
	    "address");
	bad("node:\n name: a b\n", 2, "a name of 1 to 63 letters");
	bad("node:\n name: a\n address: 127.0.0.2\n", 3,
	    "IP:PORT (the port is missing)");
	bad("node:\n name: a\n address: ::1:5062\n", 3, "[IPv6]:PORT");
	bad("node:\n name: a\n address: host.example:5062\n", 3,
	    "a literal IP address");
	bad("node:\n name: a\n address: 127.0.0.2:65536\n", 3,
	    "a port between 1 and 65535");
	bad(NODE_A " check-sip-status: 500-200\n", 4, "a SIP status range");
	bad(LSN_A NODE_A "listener:\n address: 127.0.0.1:1\n target: a\n",
	    9, "\"node NAME\" or \"pool NAME\"");
	bad("route:\n domain: *a.example\n", 2, "*.domain");
	bad("route:\n domain: a.example\n next-hop: a.example\n", 3,
	    "HOST:PORT");
	bad("resolver:\n forwarder: 127.0.0.1@0\n", 2, "IP or IP@PORT");
}

/* federation:, domain:, target: federation and the public ports. */
static void
federation_sections(void **state)
{
	struct fr_config *cfg;

	(void)state;
	cfg = ok("server:\n public-address: 192.0.2.10\n"
	    NODE_A NODE_B " public-port: 65061\n" LSN_A " protocol: sip\n"
	    "listener:\n address: 127.0.0.1:5070\n protocol: sip\n"
	    " target: federation\n allow-from: 10.10.1.0/24\n"
	    " allow-from: 2001:db8::1\n"
	    "federation:\n policy: open\n"
	    "domain:\n name: *.Partner.Example\n"
	    "domain:\n name: lync.example\n profile: ms-fed\n"
	    " profile: sip\n peer-subject: sip.lync.example\n"
	    " transport: tls tcp\n");
	assert_int_equal(cfg->edge.federation.policy, FR_POLICY_OPEN);
	assert_true(cfg->edge.listeners[1].federation);
	assert_null(cfg->edge.listeners[1].node);
	assert_int_equal(cfg->edge.listeners[1].allow_from.n, 2);
	assert_int_equal(cfg->edge.ndomains, 2);
	assert_string_equal(cfg->edge.domains[0].name, "*.partner.example");
	/* Defaults: sip and xmpp-s2s, over TLS only. */
	assert_int_equal(cfg->edge.domains[0].profiles,
	    FR_FED_SIP | FR_FED_XMPP);
	assert_int_equal(cfg->edge.domains[0].transports,
	    FR_TRANSPORT_BIT(FR_TRANSPORT_TLS));
	/* Given lines replace the default and add up. */
	assert_int_equal(cfg->edge.domains[1].profiles,
	    FR_FED_SIP | FR_FED_MSFED);
	assert_int_equal(cfg->edge.domains[1].transports,
	    FR_TRANSPORT_BIT(FR_TRANSPORT_TLS) |
	    FR_TRANSPORT_BIT(FR_TRANSPORT_TCP));
	assert_string_equal(cfg->edge.domains[1].peer_subjects.v[0],
	    "sip.lync.example");
	/* Public ports: the sip listener aimed at a alone; b's own. */
	assert_int_equal(cfg->edge.nodes[0].public_port, 5061);
	assert_int_equal(cfg->edge.nodes[1].public_port, 65061);
	fr_config_free(cfg);

	bad(NODE_A "listener:\n address: 127.0.0.1:5070\n target: federation\n",
	    4, "target: federation needs protocol: sip or xmpp");
	bad(NODE_A LSN_A " allow-from: 10.0.0.0/8\n", 7, "allow-from is for "
	    "a listener with target: federation");
	bad(NODE_A LSN_A " allow-from: 10.0.0.0/33\n", 7, "an IP address or "
	    "a network");
	bad("domain:\n name: a.example\n profile: sip, jabber\n", 3,
	    "a list of sip, ms-fed, xmpp-s2s");
	bad("domain:\n name: a.example\n transport: udp\n", 3,
	    "a list of tcp, tls");
	bad("domain:\n profile: sip\n", 1, "has no name: (it is required)");
	bad(NODE_A LSN_A "domain:\n name: a.example\ndomain:\n"
	    " name: a.example\n", 9, "already has a domain: section (line 7)");
	bad(NODE_A LSN_A "route:\n domain: a.example\n next-hop: 192.0.2.1:5060\n"
	    " transport: udp\n", 7, "the edge routes over tls or tcp");
	bad(NODE_A LSN_A "domain:\n name: a.example\n"
	    "route:\n domain: a.example\n next-hop: 192.0.2.1:5060\n"
	    " transport: tcp\n", 9, "does not list it in transport:");
	bad(NODE_A LSN_A " protocol: sip\nlistener:\n address: 127.0.0.1:5062\n"
	    " protocol: sip\n target: node a\n", 1, "say which port is its "
	    "public one with public-port:");
	bad(NODE_A LSN_A "federation:\n tls-cert: /x.pem\n", 0,
	    "federation: tls-cert and tls-key go together");
	bad(NODE_A "listener:\n address: 127.0.0.1:5070\n protocol: sip\n"
	    " target: federation\n", 4, "target: federation needs server: "
	    "public-address");
}

static void
references(void **state)
{
	(void)state;
	bad(NODE_A "pool:\n name: p\n member: a\n member: c\n" LSN_A, 7,
	    "member c: no node has that name");
	bad(NODE_A "pool:\n name: p\n member: a\n member: a\n" LSN_A, 7,
	    "member a: already a member (line 6)");
	bad(NODE_A "pool:\n name: a\n member: a\n" LSN_A, 4,
	    "pool a: the name is taken by the node on line 1");
	bad(NODE_A NODE_A LSN_A, 4, "node a: the name is taken by the node "
	    "on line 1");
	bad(NODE_A "listener:\n address: 127.0.0.1:5061\n target: pool p\n",
	    4, "target: no pool named p");
	bad(NODE_A LSN_A "listener:\n address: 0.0.0.0:5061\n"
	    " target: node a\n", 7, "overlaps the listener on line 4");
	bad(NODE_A " tls-cert: x.pem\n" LSN_A, 1,
	    "node a: tls-* settings need transport: tls");
	bad(NODE_A " check: tls\n" LSN_A, 1, "check: tls needs transport: "
	    "tls");
	bad(NODE_A " check-interval: 500ms\n check-timeout: 1s\n" LSN_A, 1,
	    "check-timeout (1000ms) must not be longer than check-interval "
	    "(500ms)");
	bad(NODE_A LSN_A " tls: yes\n", 4, "tls: yes needs tls-cert and "
	    "tls-key");
	bad(NODE_A LSN_A " tls-cert: x.pem\n", 4, "tls-* settings need tls: "
	    "yes");
	bad(NODE_A LSN_A " tls-resumption: no\n", 4, "tls-* settings need "
	    "tls: yes");
	bad("server:\n max-connections: 10\n max-connections-per-source: 11\n"
	    NODE_A LSN_A, 0, "max-connections-per-source (11) is above "
	    "max-connections (10)");
}

/* A pool's health-check settings reach members that set none; a node's
 * own win; two pools that disagree are an error. */
static void
check_inheritance(void **state)
{
	struct fr_config *cfg;

	(void)state;
	cfg = ok(NODE_A " check-rise: 5\n" NODE_B
	    "pool:\n name: p\n member: a\n member: b\n"
	    " check: sip-options\n check-interval: 5s\n check-rise: 3\n"
	    LSN_A);
	assert_int_equal(cfg->edge.nodes[0].check.kind, FR_CHECK_SIP_OPTIONS);
	assert_int_equal(cfg->edge.nodes[0].check.interval_ms, 5000);
	assert_int_equal(cfg->edge.nodes[0].check.rise, 5);
	assert_int_equal(cfg->edge.nodes[1].check.rise, 3);
	assert_int_equal(cfg->edge.nodes[1].check.fall, 3);
	assert_int_equal(cfg->edge.pools[0].member_idx[1], 1);
	fr_config_free(cfg);

	/* The same value from two pools is fine. */
	cfg = ok(NODE_A "pool:\n name: p\n member: a\n check-fall: 4\n"
	    "pool:\n name: q\n member: a\n check-fall: 4\n" LSN_A);
	assert_int_equal(cfg->edge.nodes[0].check.fall, 4);
	fr_config_free(cfg);

	bad(NODE_A "pool:\n name: p\n member: a\n check-fall: 4\n"
	    "pool:\n name: q\n member: a\n check-fall: 5\n" LSN_A, 1,
	    "node a: pools p (line 4) and q (line 8) give it different "
	    "check-fall:; set it in the node");
}

static void
relative_paths(void **state)
{
	struct fr_config *cfg;

	(void)state;
	cfg = ok("server:\n pidfile: run/fedrouted.pid\n" NODE_A LSN_A);
	/* tmpdir may sit behind a symbolic link: compare the tail. */
	assert_non_null(strstr(cfg->pidfile, "/run/fedrouted.pid"));
	assert_true(cfg->pidfile[0] == '/');
	fr_config_free(cfg);
}

/* Printing gives a file that reads back to the same print. */
static void
print_round_trip(void **state)
{
	struct fr_config *cfg;
	char *first = NULL, *second = NULL, *body;
	size_t len;
	FILE *f;

	(void)state;
	cfg = ok("server:\n user: \"a user\"\n drain-timeout: 1500\n"
	    NODE_A " weight: 3\n" NODE_B " transport: tls\n tls-verify: no\n"
	    "pool:\n name: p\n balance: source\n member: a\n member: b\n"
	    " check: tcp\n check-interval: 1m\n"
	    LSN_A "listener:\n name: pat-b\n address: [::1]:65061\n"
	    " target: node b\n protocol: sip\n"
	    "route:\n domain: x.example\n next-hop: 192.0.2.1:5061\n"
	    "resolver:\n forwarder: 127.0.0.1@5353\n");
	f = open_memstream(&first, &len);
	fr_config_print(f, cfg);
	fclose(f);
	fr_config_free(cfg);

	/* Skip the comment line that names the file. */
	body = strchr(first, '\n') + 1;
	cfg = ok(body);
	f = open_memstream(&second, &len);
	fr_config_print(f, cfg);
	fclose(f);
	fr_config_free(cfg);
	assert_string_equal(strchr(second, '\n') + 1, body);
	assert_non_null(strstr(body, "\tuser: \"a user\"\n"));
	assert_non_null(strstr(body, "\tdrain-timeout: 1500ms\n"));
	assert_non_null(strstr(body, "\ttarget: node b\n"));
	free(first);
	free(second);
}

/*
 * Text in memory (what fedrouted's reader child passes on) reads like
 * the file; FR_CONFIG_CHECKED leaves out the checks that open other
 * files, which the reader has made.
 */
static void
read_text(void **state)
{
	static const char text[] = NODE_A LSN_A
	    "resolver:\n zone-file: /nonexistent/fr-test.zone\n";
	struct fr_config *cfg;

	(void)state;
	errs[0] = '\0';
	cfg = fr_config_read_text("/etc/x.conf", text, sizeof(text) - 1, 0,
	    collect, NULL);
	assert_null(cfg);
	assert_non_null(strstr(errs, "/etc/x.conf:8: zone-file: "
	    "/nonexistent/fr-test.zone: "));
	errs[0] = '\0';
	cfg = fr_config_read_text("/etc/x.conf", text, sizeof(text) - 1,
	    FR_CONFIG_CHECKED, collect, NULL);
	assert_non_null(cfg);
	assert_string_equal(cfg->file, "/etc/x.conf");
	assert_int_equal(cfg->edge.nnodes, 1);
	assert_string_equal(cfg->edge.resolver.zone_files.v[0],
	    "/nonexistent/fr-test.zone");
	fr_config_free(cfg);
	/* Errors name the text as the file; nothing is not a file. */
	errs[0] = '\0';
	assert_null(fr_config_read_text("/etc/x.conf", "node:\n bogus: 1\n",
	    17, FR_CONFIG_CHECKED, collect, NULL));
	assert_non_null(strstr(errs, "/etc/x.conf:2: "));
	errs[0] = '\0';
	assert_null(fr_config_read_text("/etc/x.conf", "", 0, 0, collect,
	    NULL));
	assert_non_null(strstr(errs, "/etc/x.conf: empty configuration"));
}

struct doccheck {
	char *man;
	int missing;
};

static void
documented(void *arg, const char *section, const char *option)
{
	struct doccheck *dc = arg;
	char head[64], pat[256], *start, *end, *chunk;
	regex_t re;
	size_t i, j;

	/* The section's part of the manual. */
	snprintf(head, sizeof(head), "\n.SH %s SECTION\n", section);
	for (i = 0; head[i] != '\0'; i++)
		if (head[i] >= 'a' && head[i] <= 'z')
			head[i] = (char)(head[i] - 'a' + 'A');
	if ((start = strstr(dc->man, head)) == NULL) {
		fprintf(stderr, "fedrouted.conf.5: no %s", head + 1);
		dc->missing++;
		return;
	}
	end = strstr(start + 1, "\n.SH ");
	chunk = strndup(start, end != NULL ? (size_t)(end - start) :
	    strlen(start));
	assert_non_null(chunk);
	/* A line that starts with a font macro and "option: ". */
	snprintf(pat, sizeof(pat), "^\\.(B|BI|BR) \"?");
	for (i = strlen(pat), j = 0; option[j] != '\0' && i < 200; j++)
		if (option[j] == '-') {
			memcpy(pat + i, "\\\\-", 3);
			i += 3;
		} else {
			pat[i++] = option[j];
		}
	snprintf(pat + i, sizeof(pat) - i, ": ");
	assert_int_equal(regcomp(&re, pat, REG_EXTENDED | REG_NEWLINE |
	    REG_NOSUB), 0);
	if (regexec(&re, chunk, 0, NULL, 0) != 0) {
		fprintf(stderr, "fedrouted.conf.5: option %s: of %s: is not "
		    "documented (looked for /%s/)\n", option, section, pat);
		dc->missing++;
	}
	regfree(&re);
	free(chunk);
}

static void
manual_documents_every_option(void **state)
{
	const char *srcdir = getenv("FR_SRCDIR");
	struct doccheck dc = { NULL, 0 };
	char man[600];
	size_t len;
	FILE *f;

	(void)state;
	if (srcdir == NULL)
		srcdir = ".";
	snprintf(man, sizeof(man), "%s/doc/fedrouted.conf.5", srcdir);
	f = fopen(man, "r");
	if (f == NULL)
		fail_msg("%s: cannot open (set FR_SRCDIR)", man);
	dc.man = calloc(1, 256 * 1024);
	assert_non_null(dc.man);
	len = fread(dc.man, 1, 256 * 1024 - 1, f);
	fclose(f);
	assert_true(len > 0);
	fr_config_options(documented, &dc);
	free(dc.man);
	assert_int_equal(dc.missing, 0);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(values),
		cmocka_unit_test(grammar_errors),
		cmocka_unit_test(value_errors),
		cmocka_unit_test(references),
		cmocka_unit_test(federation_sections),
		cmocka_unit_test(check_inheritance),
		cmocka_unit_test(relative_paths),
		cmocka_unit_test(print_round_trip),
		cmocka_unit_test(read_text),
		cmocka_unit_test(manual_documents_every_option),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
