build/obj/datapath/xtoed.o: datapath/xtoed.c datapath/../lib/proto.h \
 datapath/daemon.h datapath/../lib/shm.h datapath/../lib/spsc.h \
 datapath/../lib/spsc.h datapath/steer.h datapath/tcp.h \
 include/xtoe/drop.h datapath/xsk.h datapath/nl.h
datapath/../lib/proto.h:
datapath/daemon.h:
datapath/../lib/shm.h:
datapath/../lib/spsc.h:
datapath/../lib/spsc.h:
datapath/steer.h:
datapath/tcp.h:
include/xtoe/drop.h:
datapath/xsk.h:
datapath/nl.h:
