build/obj/datapath/dp_rx.o: datapath/dp_rx.c datapath/dp.h \
 datapath/daemon.h datapath/../lib/shm.h datapath/../lib/spsc.h \
 datapath/../lib/spsc.h datapath/steer.h datapath/tcp.h \
 include/xtoe/drop.h datapath/xsk.h datapath/flowtab.h \
 include/xtoe/module.h
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
include/xtoe/module.h:
