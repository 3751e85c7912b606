# novalite: two commands for a newcomer on a fresh Debian 12 machine.
#   make run   - install what is needed, start novalite all-in-one, boot a demo server
#   make test  - install what is needed, run the whole suite
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-stamp
# A real Keystone and a real Glance (from PyPI, each in its own venv) for the
# keystone-mode and [glance] api_servers tests.
KS_VENV  ?= .venv-keystone
KS_STAMP := $(KS_VENV)/.keystone-stamp
GL_VENV  ?= .venv-glance
GL_STAMP := $(GL_VENV)/.glance-stamp
# A real Neutron (ML2/OVN; uwsgi, PyMySQL) for the real-Neutron tests.
NE_VENV  ?= .venv-neutron
NE_STAMP := $(NE_VENV)/.neutron-stamp
# Nova's api_samples (conformance data) from the released Nova sdist on PyPI.
REF_DIR   ?= .cache/reference
REF_STAMP := $(REF_DIR)/.nova-34.0.0
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test bench system-deps sample-config clean

# Debian packages: libvirt and qemu (the libvirt driver and its tests),
# libvirt-dev + pkg-config (to build libvirt-python), dnsmasq + dhcp_release +
# iptables (host networking of novalite-compute); starts libvirtd/virtlogd.
# A cached Debian tree with systemd for the two-node test (systemd-nspawn,
# /var/cache/novalite), and shellcheck.
system-deps:
	$(SUDO) tools/setup-libvirt.sh
	$(SUDO) tools/setup-ovn.sh
	$(SUDO) PYTHON=$(PYTHON) tools/setup-systemd-container.sh

$(STAMP): requirements.txt test-requirements.txt setup.cfg
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt -r test-requirements.txt
	$(PY) -m pip install -q -e .[libvirt]
	touch $@

$(KS_STAMP): tools/setup-service-venv.sh
	PYTHON=$(PYTHON) tools/setup-service-venv.sh keystone $(KS_VENV)

$(GL_STAMP): tools/setup-service-venv.sh
	PYTHON=$(PYTHON) tools/setup-service-venv.sh glance $(GL_VENV)

$(NE_STAMP): tools/setup-service-venv.sh
	PYTHON=$(PYTHON) tools/setup-service-venv.sh neutron $(NE_VENV)

$(REF_STAMP): tools/fetch-reference.sh $(STAMP)
	PYTHON=$(PY) tools/fetch-reference.sh $(REF_DIR)

run: system-deps $(STAMP)
	$(VENV)/bin/novalite-all --demo

test: system-deps $(STAMP) $(KS_STAMP) $(GL_STAMP) $(NE_STAMP) $(REF_STAMP)
	$(PY) -m pytest -q -p no:cacheprovider -n 2 --dist loadgroup

# Issue 13's table, four daemons and all-in-one side by side (doc/scale.md): ~5 min
# on a quiet machine; on demand, not part of `make test`.
bench: $(STAMP)
	$(PY) benchmarks/scale_benchmark.py --modes four,all --present 10000 --json bench.json

sample-config: $(STAMP)
	$(VENV)/bin/oslo-config-generator --config-file etc/novalite/novalite-config-generator.conf
	$(PY) -m novalite.conf.reference > doc/configuration-reference.md
	$(VENV)/bin/oslopolicy-sample-generator --namespace novalite \
		--output-file etc/novalite/policy.yaml.sample

clean:
	rm -rf $(VENV) $(KS_VENV) $(GL_VENV) $(NE_VENV) state
