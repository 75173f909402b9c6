build/obj/datapath/dp.o: datapath/dp.c datapath/../lib/wake.h \
 datapath/dp.h datapath/daemon.h datapath/../lib/shm.h \
 datapath/../lib/spsc.h datapath/../lib/spsc.h datapath/steer.h \
 datapath/tcp.h include/xtoe/drop.h datapath/xsk.h datapath/flowtab.h
datapath/../lib/wake.h:
datapath/dp.h:
datapath/daemon.h:
datapath/../lib/shm.h:
datapath/../lib/spsc.h:
datapath/../lib/spsc.h:
datapath/steer.h:
datapath/tcp.h:
include/xtoe/drop.h:
datapath/xsk.h:
datapath/flowtab.h:
