/* SPDX-License-Identifier: Apache-2.0 */
/* dure: the server and the command-line tool in one binary. */
#include "cli/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
