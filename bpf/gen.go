package bpf

//go:generate go tool bpf2go -tags linux -target bpfel -cc clang -cflags "-O2 -g -Wall -Werror" probe probe.c -- -I.
//go:generate go tool bpf2go -tags linux -target bpfel -cc clang -cflags "-O2 -g -Wall -Werror" -type event -type inode_key -type daemon -type rule -type hook -type action moat moat.c -- -I.
