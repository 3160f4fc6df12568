/* ctl.h — claimctl subcommands, one file each (daemon/ctl_*.c). Each returns the exit
 * status: 0 ok, 1 error in the input, 2 usage. argv[0] is the subcommand name. */
#ifndef CLAIMD_CTL_H
#define CLAIMD_CTL_H

int ctl_parse(int argc, char **argv);    /* daemon/ctl_parse.c */
int ctl_extract(int argc, char **argv);  /* daemon/ctl_extract.c */
int ctl_sub(int argc, char **argv);      /* daemon/ctl_sub.c */
int ctl_check(int argc, char **argv);    /* daemon/ctl_check.c */

#endif
