/*
 * ipport.c -- IP[@PORT] addresses.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "ipport.h"

int
fr_ipport_parse(const char *s, uint16_t defport, struct sockaddr_storage *ss,
    socklen_t *sslen, char *why, size_t whylen)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char host[FR_IPPORT_MAX + 1], shown[FR_IPPORT_MAX * 4 + 8];
	const char *at = strchr(s, '@'), *p;
	size_t hlen = at != NULL ? (size_t)(at - s) : strlen(s);
	unsigned long port = defport;

	if (*s == '\0') {
		snprintf(why, whylen, "an empty address; expected IP or "
		    "IP@PORT");
		return -1;
	}
	if (strlen(s) > FR_IPPORT_MAX) {
		snprintf(why, whylen, "longer than %d characters; expected IP "
		    "or IP@PORT", FR_IPPORT_MAX);
		return -1;
	}
	fr_escape_str(shown, sizeof(shown), s);
	if (at != NULL) {
		port = 0;
		for (p = at + 1; *p >= '0' && *p <= '9' && port <= 65535; p++)
			port = port * 10 + (unsigned long)(*p - '0');
		if (p == at + 1 || *p != '\0' || port == 0 || port > 65535) {
			snprintf(why, whylen, "'%s': the port after '@' must be "
			    "a number from 1 to 65535", shown);
			return -1;
		}
	}
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*sslen = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*sslen = sizeof(*sin6);
		return 0;
	}
	snprintf(why, whylen, "'%s' is not an IP address; expected IP or "
	    "IP@PORT (IPv4 or IPv6, a literal: a name would need DNS)",
	    shown);
	return -1;
}
