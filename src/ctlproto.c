/*
 * ctlproto.c -- parse and write control requests.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ctlproto.h"

/* FORMAT and at most three words ("health clear 192.0.2.7:5061"); a
 * few more are split so that the refusal can name the one too many. */
#define WORDS_MAX 6

struct verb {
	const char *words;	/* as typed */
	enum fr_ctl_verb verb;
	int arg;		/* 0 none, 1 required, 2 optional */
	const char *arg_name;
};

static const struct verb verbs[] = {
	{ "status", FR_CTL_STATUS, 0, NULL },
	{ "nodes", FR_CTL_NODES, 0, NULL },
	{ "pools", FR_CTL_POOLS, 0, NULL },
	{ "listeners", FR_CTL_LISTENERS, 0, NULL },
	{ "domains", FR_CTL_DOMAINS, 0, NULL },
	{ "cache", FR_CTL_CACHE, 0, NULL },
	{ "cache flush", FR_CTL_CACHE_FLUSH, 2, "DOMAIN" },
	{ "health", FR_CTL_HEALTH, 0, NULL },
	{ "health clear", FR_CTL_HEALTH_CLEAR, 1, "DEST (or all)" },
	{ "drain", FR_CTL_DRAIN, 1, "NODE" },
	{ "enable", FR_CTL_ENABLE, 1, "NODE" },
	{ "reload", FR_CTL_RELOAD, 0, NULL },
	{ "lookup", FR_CTL_LOOKUP, 1, "URI" },
};
#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

const char *
fr_ctl_verb_name(enum fr_ctl_verb verb)
{
	size_t i;

	for (i = 0; i < NVERBS; i++)
		if (verbs[i].verb == verb)
			return verbs[i].words;
	return "?";
}

bool
fr_ctl_per_worker(enum fr_ctl_verb verb)
{
	return verb != FR_CTL_STATUS && verb != FR_CTL_RELOAD;
}

/* How many words of verbs[i] (1 or 2). */
static size_t
verb_words(const struct verb *v)
{
	return strchr(v->words, ' ') != NULL ? 2 : 1;
}

static bool
verb_matches(const struct verb *v, char *const *words, size_t n)
{
	const char *sp = strchr(v->words, ' ');

	if (sp == NULL)
		return strcmp(v->words, words[0]) == 0;
	return n >= 2 && strlen(words[0]) == (size_t)(sp - v->words) &&
	    strncmp(v->words, words[0], (size_t)(sp - v->words)) == 0 &&
	    strcmp(sp + 1, words[1]) == 0;
}

int
fr_ctl_parse_words(char *const *words, size_t n, bool json,
    struct fr_ctl_cmd *cmd, char *err, size_t errlen)
{
	const struct verb *v = NULL;
	size_t i, k, args;

	memset(cmd, 0, sizeof(*cmd));
	cmd->json = json;
	if (n == 0) {
		snprintf(err, errlen, "no command");
		return -1;
	}
	/* Two-word commands first: "cache flush" before "cache". */
	for (i = 0; i < NVERBS && v == NULL; i++)
		if (verb_words(&verbs[i]) == 2 &&
		    verb_matches(&verbs[i], words, n))
			v = &verbs[i];
	for (i = 0; i < NVERBS && v == NULL; i++)
		if (verb_words(&verbs[i]) == 1 &&
		    verb_matches(&verbs[i], words, n))
			v = &verbs[i];
	if (v == NULL) {
		snprintf(err, errlen, "unknown command \"%.32s\" (status, "
		    "nodes, pools, listeners, domains, cache, cache flush, "
		    "health, health clear, drain, enable, reload, lookup)",
		    words[0]);
		return -1;
	}
	cmd->verb = v->verb;
	k = verb_words(v);
	args = n - k;
	if (args > 1 || (args == 1 && v->arg == 0)) {
		snprintf(err, errlen, "%s: too many words (\"%.32s\")",
		    v->words, words[k + (args > 1 && v->arg != 0)]);
		return -1;
	}
	if (args == 0 && v->arg == 1) {
		snprintf(err, errlen, "%s: which %s?", v->words, v->arg_name);
		return -1;
	}
	if (args == 1) {
		if (strlen(words[k]) >= sizeof(cmd->arg)) {
			snprintf(err, errlen, "%s: %s longer than %zu bytes",
			    v->words, v->arg_name, sizeof(cmd->arg) - 1);
			return -1;
		}
		for (i = 0; words[k][i] != '\0'; i++) {
			unsigned char c = (unsigned char)words[k][i];

			if (c <= ' ' || c >= 0x7f) {
				snprintf(err, errlen, "%s: byte %zu of the %s "
				    "is 0x%02x; only printable ASCII is taken",
				    v->words, i + 1, v->arg_name, c);
				return -1;
			}
		}
		memcpy(cmd->arg, words[k], strlen(words[k]) + 1);
		cmd->has_arg = true;
	}
	return 0;
}

int
fr_ctl_parse(const char *line, size_t len, struct fr_ctl_cmd *cmd,
    char *err, size_t errlen)
{
	char copy[FR_CTL_LINE_MAX + 1], *words[WORDS_MAX], *p;
	size_t i, n = 0;
	bool json;

	memset(cmd, 0, sizeof(*cmd));
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len >= FR_CTL_LINE_MAX) {
		snprintf(err, errlen, "request longer than %d bytes",
		    FR_CTL_LINE_MAX - 1);
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < ' ' && c != '\t') || c >= 0x7f) {
			snprintf(err, errlen, "byte %zu of the request is "
			    "0x%02x; only printable ASCII is taken", i + 1, c);
			return -1;
		}
	}
	memcpy(copy, line, len);
	copy[len] = '\0';
	for (p = copy; *p != '\0';) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (*p == '\0')
			break;
		if (n == WORDS_MAX) {
			snprintf(err, errlen, "too many words in the request "
			    "(at most %d)", WORDS_MAX);
			return -1;
		}
		words[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
	}
	if (n == 0) {
		snprintf(err, errlen, "empty request (FORMAT COMMAND [ARG])");
		return -1;
	}
	if (strcmp(words[0], "text") == 0)
		json = false;
	else if (strcmp(words[0], "json") == 0)
		json = true;
	else {
		snprintf(err, errlen, "format \"%.16s\": text or json, then "
		    "the command", words[0]);
		return -1;
	}
	return fr_ctl_parse_words(words + 1, n - 1, json, cmd, err, errlen);
}

size_t
fr_ctl_request(const struct fr_ctl_cmd *cmd, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s %s%s%s\n", cmd->json ? "json" : "text",
	    fr_ctl_verb_name(cmd->verb), cmd->has_arg ? " " : "",
	    cmd->has_arg ? cmd->arg : "");

	return n < 0 || (size_t)n >= len ? 0 : (size_t)n;
}
