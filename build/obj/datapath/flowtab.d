build/obj/datapath/flowtab.o: datapath/flowtab.c datapath/flowtab.h
datapath/flowtab.h:
