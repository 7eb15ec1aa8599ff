# diag/local.mk -- libfeddiag, the resolver tester's library: probes
# (TCP, TLS, SIP OPTIONS, XMPP), certificate and DNS checks, reports in
# text, JSON and nagios (included from Makefile.am).
noinst_LIBRARIES += diag/libfeddiag.a
diag_libfeddiag_a_SOURCES = \
	diag/addrscope.c diag/addrscope.h \
	diag/certcheck.c diag/certcheck.h \
	diag/connect.c diag/connect.h \
	diag/diag.c diag/diag.h \
	diag/dnscheck.c diag/dnscheck.h \
	diag/json.c diag/json.h \
	diag/nagios.c diag/nagios.h \
	diag/probe.c diag/probe.h \
	diag/report.c diag/report.h \
	diag/resdiff.c diag/resdiff.h \
	diag/selfcheck.c diag/selfcheck.h \
	diag/sipprobe.c diag/sipprobe.h \
	diag/tester.c diag/tester.h \
	diag/xmppprobe.c diag/xmppprobe.h
diag_libfeddiag_a_CPPFLAGS = $(FR_DIAG_CPPFLAGS)
