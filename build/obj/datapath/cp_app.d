build/obj/datapath/cp_app.o: datapath/cp_app.c datapath/../lib/proto.h \
 datapath/cp.h datapath/daemon.h datapath/../lib/shm.h \
 datapath/../lib/spsc.h datapath/../lib/spsc.h datapath/steer.h \
 datapath/tcp.h include/xtoe/drop.h datapath/xsk.h datapath/flowtab.h \
 datapath/nl.h
datapath/../lib/proto.h:
datapath/cp.h:
datapath/daemon.h:
datapath/../lib/shm.h:
datapath/../lib/spsc.h:
datapath/../lib/spsc.h:
datapath/steer.h:
datapath/tcp.h:
include/xtoe/drop.h:
datapath/xsk.h:
datapath/flowtab.h:
datapath/nl.h:
