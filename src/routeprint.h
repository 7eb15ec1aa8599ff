/*
 * routeprint.h -- a routing decision explained, in text or JSON (the
 * contract is doc/fedroute.1's for `fedroute route`).
 */
#ifndef FR_ROUTEPRINT_H
#define FR_ROUTEPRINT_H

#include <stdbool.h>
#include <stdio.h>

#include "conf.h"
#include "routing.h"

/*
 * Write what r decided for input (as the user typed it) to out; node,
 * when not NULL, is the node that sends the request (its public entry
 * and the rewriting are shown).  cfg gives the public address.
 */
void fr_route_print(FILE *out, bool json, const char *input,
    const struct fr_config *cfg, const struct fr_node_conf *node,
    const struct fr_route_result *r);

#endif /* FR_ROUTEPRINT_H */
