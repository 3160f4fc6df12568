/* ctl.h — claimctl subcommands, one file each (in daemon/ctl/). Each returns the exit
 * status: 0 ok, 1 error in the input, 2 usage. argv[0] is the subcommand name. */
#ifndef CLAIMD_CTL_H
#define CLAIMD_CTL_H

int ctl_parse(int argc, char **argv);    /* daemon/ctl/parse.c */
int ctl_extract(int argc, char **argv);  /* daemon/ctl/extract.c */
int ctl_cluster(int argc, char **argv);  /* daemon/ctl/cluster.c */
int ctl_sub(int argc, char **argv);      /* daemon/ctl/sub.c */
int ctl_check(int argc, char **argv);    /* daemon/ctl/check.c */
int ctl_page(int argc, char **argv);     /* daemon/ctl/page.c */
int ctl_tag(int argc, char **argv);      /* daemon/ctl/tag.c */
int ctl_keygen(int argc, char **argv);   /* daemon/ctl/keygen.c */
int ctl_status(int argc, char **argv);   /* daemon/ctl/status.c */

#endif
