#!/bin/bash
# shellcheck shell=bash disable=SC1090,SC1091,SC2034
# Runs one mode/phase of the novalite devstack plugin with devstack's real
# function library, in the order stack.sh, unstack.sh and clean.sh use.
#
# usage: devstack_harness.sh TOP_DIR prepare|accounts|stack PHASE|unstack|clean
#
# TOP_DIR is a devstack tree: a symlink farm of the reference copy
# (../shared/reference/devstack) plus the test's local.conf, so stackrc finds
# the local.conf beside it as it does in a devstack checkout.  Every function
# called here is devstack's own; nothing is redefined.
#
# Where devstack would reach the internet or the machine, its own knobs turn
# that off (set in local.conf by the test): OFFLINE=True (no git clone, no pip
# download: setup_develop finds novalite already installed in DEVSTACK_VENV by
# the "prepare" step), SYSTEMD_DIR/SYSTEMCTL (the systemd container's unit
# directory and its systemctl), OPENSTACKCLIENT_CONF_DIR (clouds.yaml under the
# test's tmp dir).  The few variables that stackrc or lib/* assign without
# honouring a preset value are set again right after they are sourced, each
# with the reason.
set -o xtrace
set -o errexit

TOP_DIR=$1
MODE=$2
PHASE=${3:-}

# -- stack.sh: the function library and the configuration ------------------
source "$TOP_DIR/functions"
source "$TOP_DIR/lib/stack"
if [[ ! -f $TOP_DIR/.localrc.auto ]]; then
    extract_localrc_section "$TOP_DIR/local.conf" "$TOP_DIR/localrc" "$TOP_DIR/.localrc.auto"
fi
source "$TOP_DIR/stackrc"

# stackrc: ``REQUIREMENTS_DIR=${REQUIREMENTS_DIR:-$DEST/requirements}`` cannot
# be emptied from local.conf; empty, setup_develop does not edit the
# constraints of the openstack/requirements checkout that is not here.
REQUIREMENTS_DIR=
# stackrc: ``MEMCACHE_SERVERS=${MEMCACHE_SERVERS:-localhost:11211}``; devstack
# would run memcached and pip-install python-memcached for keystonemiddleware
# (install_keystonemiddleware).  Neither is here: no [keystone_authtoken]
# memcached_servers, so keystonemiddleware caches tokens in-process.
MEMCACHE_SERVERS=
# stackrc assigns these from USER_UNITS; the services run in the container
SYSTEMD_DIR=$NL_SYSTEMD_DIR
SYSTEMCTL=$NL_SYSTEMCTL

source "$TOP_DIR/lib/database"
source "$TOP_DIR/lib/rpc_backend"
source "$TOP_DIR/lib/host"
# OFFLINE: the plugin's checkout is already at $DEST/novalite
fetch_plugins
run_phase override_defaults
source "$TOP_DIR/lib/keystone"
source "$TOP_DIR/lib/glance"
# lib/keystone and lib/glance derive these URLs from the Apache layout
# (/identity, /image); here Keystone and Glance are the test's, on ports
KEYSTONE_SERVICE_URI=$NL_KEYSTONE_URI
KEYSTONE_AUTH_URI=$KEYSTONE_SERVICE_URI
GLANCE_URL=$NL_GLANCE_URL

run_phase source
async_init
initialize_database_backends
define_database_baseurl
# stack.sh: the interpreter (OFFLINE: no apt-get) and the global venv, which
# the first run creates
install_python
set -o xtrace       # apt_get's OFFLINE return leaves xtrace off
if [[ "$MODE" == prepare && ! -f $DEVSTACK_VENV/.novalite-stamp ]]; then
    # the global venv, made here without setup_devstack_virtualenv's
    # --system-site-packages: the container shares it, and this host's
    # dist-packages (an old pyOpenSSL) are not the container's
    rm -rf "$DEVSTACK_VENV"
    "$PYTHON" -m venv "$DEVSTACK_VENV"
fi
setup_devstack_virtualenv
export OS_CLIENT_CONFIG_FILE=$OPENSTACKCLIENT_CONF_DIR/clouds.yaml
export OS_CLOUD=${OS_CLOUD:-devstack-admin}

# run_phase minus extras.d: its 80-tempest.sh would install and configure all
# of Tempest; "tempest" is enabled only for the plugin's test-config phase.
case $MODE in
    prepare)
        # what pip_install would download into the global venv (OFFLINE=True
        # skips it): novalite's requirements from the wheel cache and novalite
        # itself, editable as setup_develop installs it.  The test keeps the
        # venv between runs (DEVSTACK_VENV in its cache, keyed by the checkout
        # and its requirements): pip takes minutes on a loaded machine.
        if [[ ! -f $DEVSTACK_VENV/.novalite-stamp ]]; then
            "$DEVSTACK_VENV/bin/pip" install -q --no-index --ignore-installed \
                --find-links "$NL_WHEELS" -r "$NOVALITE_DIR/requirements.txt"
            "$DEVSTACK_VENV/bin/pip" install -q --no-index --no-deps --no-build-isolation \
                -e "$NOVALITE_DIR"
            touch "$DEVSTACK_VENV/.novalite-stamp"
        fi
        ;;
    accounts)
        # stack.sh between "stack install" and "stack post-config": the
        # clouds.yaml, then what of create_keystone_accounts and
        # create_glance_accounts the plugin relies on (the service project
        # and role; the image service in the catalog).  All of them make ~50
        # openstack CLI calls for demo users and groups: minutes here.
        write_clouds_yaml
        get_or_create_project "$SERVICE_PROJECT_NAME" "$SERVICE_DOMAIN_NAME"
        get_or_create_role service
        get_or_create_service glance image "Glance Image Service"
        get_or_create_endpoint image "$REGION_NAME" "$GLANCE_URL"
        ;;
    stack)
        if [[ "$PHASE" == test-config ]]; then
            # extras.d's configure_tempest, which runs first, writes the file
            mkdir -p "$(dirname "$TEMPEST_CONFIG")"
        fi
        run_plugins stack "$PHASE"
        ;;
    unstack|clean)
        run_plugins "$MODE"
        ;;
    *)
        die $LINENO "unknown mode $MODE"
        ;;
esac
