/*
 * ipport_fuzz.c -- libFuzzer target: fr_ipport_parse() ("IP[@PORT]",
 * the forwarder: setting and --resolver) on any bytes.  A refusal says
 * why in a NUL-terminated, escaped message; an address it accepts is
 * IPv4 or IPv6 with a port in range, and printed back as IP@PORT it
 * parses again to the same address.
 */
#include "config.h"

#include <arpa/inet.h>
#include <assert.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "ipport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage ss, again;
	socklen_t sslen, againlen;
	char in[FR_IPPORT_MAX * 2], why[256], ip[INET6_ADDRSTRLEN];
	char printed[FR_IPPORT_MAX + 8];
	uint16_t port;

	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	memset(why, 'Z', sizeof(why));
	if (fr_ipport_parse(in, 53, &ss, &sslen, why, sizeof(why)) != 0) {
		assert(memchr(why, '\0', sizeof(why)) != NULL);
		assert(fr_escape_clean(why, strlen(why)));
		return 0;
	}
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;

		assert(sslen == sizeof(*a));
		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		port = ntohs(a->sin_port);
	} else {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;

		assert(ss.ss_family == AF_INET6);
		assert(sslen == sizeof(*a));
		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		port = ntohs(a->sin6_port);
	}
	assert(port != 0);
	snprintf(printed, sizeof(printed), "%s@%u", ip, (unsigned)port);
	assert(fr_ipport_parse(printed, 53, &again, &againlen, why,
	    sizeof(why)) == 0);
	assert(againlen == sslen && memcmp(&again, &ss, sslen) == 0);
	return 0;
}
