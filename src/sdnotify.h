/*
 * sdnotify.h -- tell the service manager how the daemon is doing:
 * systemd's notification protocol (sd_notify(3)), one datagram of
 * NAME=value lines to the AF_UNIX socket that $NOTIFY_SOCKET names.
 *
 * Without $NOTIFY_SOCKET every call does nothing, so fedrouted runs the
 * same under runit, s6 or from a shell.  Not libsystemd: the protocol
 * is small and documented as stable for reimplementation (sd_notify(3),
 * NOTES; systemd's "Interface Portability and Stability" page), and
 * linking libsystemd would bring its compression and crypto libraries
 * into a daemon that faces the internet.  HAProxy 3.0 dropped it for
 * the same reason.
 *
 * fr_sd_notify_init() reads the variable once and removes it from the
 * environment, so no program the daemon runs talks to systemd in its
 * name; forked children keep the address but only the process that
 * systemd started calls fr_sd_notify() (NotifyAccess=main).
 */
#ifndef FR_SDNOTIFY_H
#define FR_SDNOTIFY_H

/* Read and clear $NOTIFY_SOCKET.  -1 (and a message in err) when it is
 * set but unusable; 0 otherwise, set or not. */
int fr_sd_notify_init(char *err, size_t errlen);

/* Send the printf-formatted state ("READY=1\nSTATUS=...").  0 when sent
 * or when there is no service manager to tell; -1 with errno when the
 * send failed (the caller logs it; nothing else depends on it). */
int fr_sd_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "RELOADING=1" with MONOTONIC_USEC, as Type=notify-reload wants it. */
int fr_sd_notify_reloading(void);

#endif /* FR_SDNOTIFY_H */
