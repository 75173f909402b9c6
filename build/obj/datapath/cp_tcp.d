build/obj/datapath/cp_tcp.o: datapath/cp_tcp.c datapath/cp.h \
 datapath/daemon.h datapath/../lib/shm.h datapath/../lib/spsc.h \
 datapath/../lib/spsc.h datapath/steer.h datapath/tcp.h \
 include/xtoe/drop.h datapath/xsk.h datapath/flowtab.h datapath/nl.h
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
