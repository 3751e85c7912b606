"""The embedded network service's Neutron v2.0 subset, served at /network."""
