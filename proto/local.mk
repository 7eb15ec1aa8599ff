# proto/local.mk -- libfedproto: wire formats, I/O-free (included from
# Makefile.am).  The lowest layer: it includes nothing of the others.
noinst_LIBRARIES += proto/libfedproto.a
proto_libfedproto_a_SOURCES = \
	proto/certname.c proto/certname.h \
	proto/escape.c proto/escape.h \
	proto/htab.c proto/htab.h \
	proto/ipport.c proto/ipport.h \
	proto/sipmsg.c proto/sipmsg.h \
	proto/sipuri.c proto/sipuri.h proto/span.h \
	proto/strbuf.c proto/strbuf.h \
	proto/transport.c proto/transport.h
# XMPP stream headers (expat) and TLS ClientHellos
proto_libfedproto_a_SOURCES += \
	proto/tlshello.c proto/tlshello.h \
	proto/xmppstream.c proto/xmppstream.h
proto_libfedproto_a_CPPFLAGS = $(FR_PROTO_CPPFLAGS)
