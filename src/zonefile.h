/*
 * zonefile.h -- read a local zone file far enough to know its origin
 * (the owner of its SOA) and that it parses, with file:line errors.
 */
#ifndef FR_ZONEFILE_H
#define FR_ZONEFILE_H

#include <stddef.h>

/*
 * Parse path.  Returns 0 with origin (no trailing dot, lower case) and
 * abspath filled, or -1 with "path:line: what" in err.
 */
int fr_zonefile_probe(const char *path, char *origin, size_t originlen,
    char *abspath, size_t abspathlen, char *err, size_t errlen);

#endif /* FR_ZONEFILE_H */
