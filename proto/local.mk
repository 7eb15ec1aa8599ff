# proto/local.mk -- libfedproto: wire formats, I/O-free (included from
# Makefile.am).  The lowest layer: it includes nothing of the others.
noinst_LIBRARIES += proto/libfedproto.a
proto_libfedproto_a_SOURCES = \
	proto/escape.c proto/escape.h \
	proto/ipport.c proto/ipport.h \
	proto/sipuri.c proto/sipuri.h \
	proto/strbuf.c proto/strbuf.h \
	proto/transport.c proto/transport.h
proto_libfedproto_a_CPPFLAGS = $(FR_PROTO_CPPFLAGS)
