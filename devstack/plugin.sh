#!/bin/bash
# shellcheck shell=bash
# devstack plugin for novalite: installs it, writes /etc/novalite/novalite.conf
# (devstack's Keystone, Glance, database and RabbitMQ), registers the compute
# service in Keystone and runs nl-api, nl-cond, nl-sch and nl-cpu with
# run_process.  devstack sources this file with: <mode> [<phase>].

function novalite_enabled {
    is_service_enabled nl-api nl-cond nl-sch nl-cpu
}

function install_novalite {
    if [[ "$NOVALITE_COMPUTE_DRIVER" == "libvirt" ]]; then
        setup_develop "$NOVALITE_DIR" libvirt
    else
        setup_develop "$NOVALITE_DIR"
    fi
}

function configure_novalite {
    sudo install -d -o "$STACK_USER" "$NOVALITE_CONF_DIR" "$NOVALITE_STATE_PATH"
    rm -f "$NOVALITE_CONF"
    iniset "$NOVALITE_CONF" DEFAULT debug "$ENABLE_DEBUG_LOG_LEVEL"
    iniset "$NOVALITE_CONF" DEFAULT state_path "$NOVALITE_STATE_PATH"
    iniset "$NOVALITE_CONF" DEFAULT host "$(hostname)"
    iniset "$NOVALITE_CONF" DEFAULT transport_url "$(get_transport_url "$NOVALITE_RPC_VHOST")"
    iniset "$NOVALITE_CONF" DEFAULT osapi_compute_listen "$SERVICE_LISTEN_ADDRESS"
    iniset "$NOVALITE_CONF" DEFAULT osapi_compute_listen_port "$NOVALITE_SERVICE_PORT"
    iniset "$NOVALITE_CONF" DEFAULT compute_driver "$NOVALITE_COMPUTE_DRIVER"
    iniset "$NOVALITE_CONF" libvirt virt_type "$NOVALITE_VIRT_TYPE"
    iniset "$NOVALITE_CONF" fake_driver spawn_delay "$NOVALITE_FAKE_SPAWN_DELAY"
    iniset "$NOVALITE_CONF" database connection "$(database_connection_url "$NOVALITE_DB_NAME")"
    iniset "$NOVALITE_CONF" api auth_strategy keystone
    configure_keystone_authtoken_middleware "$NOVALITE_CONF" nova
    if is_service_enabled g-api; then
        iniset "$NOVALITE_CONF" glance api_servers "$GLANCE_URL"
    fi
    if is_service_enabled neutron q-svc; then
        iniset "$NOVALITE_CONF" neutron auth_url "$KEYSTONE_SERVICE_URI"
        configure_keystoneauth "$NOVALITE_CONF" nova neutron
    fi
}

function init_novalite {
    recreate_database "$NOVALITE_DB_NAME"
    "$NOVALITE_BIN_DIR/novalite-manage" --config-file "$NOVALITE_CONF" db sync
    # every service signs its RPC messages with its own key (doc/security.md);
    # all four run on this host, which holds the database, so enrol them here
    "$NOVALITE_BIN_DIR/novalite-manage" --config-file "$NOVALITE_CONF" service enrol \
        novalite-api "$(hostname)" novalite-conductor "$(hostname)" \
        novalite-scheduler "$(hostname)" novalite-compute "$(hostname)"
    "$NOVALITE_BIN_DIR/novalite-manage" --config-file "$NOVALITE_CONF" service trusted-keys
}

function create_novalite_accounts {
    create_service_user nova admin
    local service
    service=$(get_or_create_service nova compute "novalite Compute Service")
    get_or_create_endpoint "$service" "$REGION_NAME" "$NOVALITE_URL/v2.1"
}

function start_novalite {
    local bin=$NOVALITE_BIN_DIR conf=$NOVALITE_CONF
    run_process nl-cond "$bin/novalite-conductor --config-file $conf"
    run_process nl-sch "$bin/novalite-scheduler --config-file $conf"
    run_process nl-cpu "$bin/novalite-compute --config-file $conf"
    run_process nl-api "$bin/novalite-api --config-file $conf"
    if is_service_enabled nl-api; then
        if ! wait_for_service "$SERVICE_TIMEOUT" "$NOVALITE_URL"; then
            die $LINENO "nl-api did not start"
        fi
    fi
}

function create_novalite_flavors {
    if ! openstack --os-region-name="$REGION_NAME" flavor show m1.nano >/dev/null 2>&1; then
        openstack --os-region-name="$REGION_NAME" flavor create --id 42 --ram 128 \
            --disk 1 --vcpus 1 m1.nano
    fi
}

function configure_tempest_for_novalite {
    iniset "$TEMPEST_CONFIG" compute flavor_ref 42
    iniset "$TEMPEST_CONFIG" compute flavor_ref_alt 42
    iniset "$TEMPEST_CONFIG" compute min_microversion 2.1
    iniset "$TEMPEST_CONFIG" compute max_microversion latest
    iniset "$TEMPEST_CONFIG" compute-feature-enabled resize False
    iniset "$TEMPEST_CONFIG" compute-feature-enabled console_output True
    iniset "$TEMPEST_CONFIG" service_available nova True
}

function stop_novalite {
    local svc
    for svc in nl-api nl-cpu nl-sch nl-cond; do
        stop_process "$svc"
    done
}

function cleanup_novalite {
    sudo rm -rf "$NOVALITE_STATE_PATH" "$NOVALITE_CONF_DIR"
}

if novalite_enabled; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing novalite"
        install_novalite
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring novalite"
        configure_novalite
        init_novalite
        create_novalite_accounts
    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        echo_summary "Starting novalite"
        start_novalite
        create_novalite_flavors
    elif [[ "$1" == "stack" && "$2" == "test-config" ]]; then
        if is_service_enabled tempest; then
            configure_tempest_for_novalite
        fi
    fi
    if [[ "$1" == "unstack" ]]; then
        stop_novalite
    fi
    if [[ "$1" == "clean" ]]; then
        cleanup_novalite
    fi
fi
