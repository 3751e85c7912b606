"""The absolute limits of GET /limits per microversion: network limits until
2.35, maxImageMeta until 2.38, personality limits until 2.56."""


def absolute(req, limits, usage):
    out = {
        'maxTotalInstances': limits['instances'], 'maxTotalCores': limits['cores'],
        'maxTotalRAMSize': limits['ram'], 'maxServerMeta': limits['metadata_items'],
        'maxTotalKeypairs': limits['key_pairs'], 'maxServerGroups': limits['server_groups'],
        'maxServerGroupMembers': limits['server_group_members'],
        'totalInstancesUsed': usage['instances'], 'totalCoresUsed': usage['cores'],
        'totalRAMUsed': usage['ram'], 'totalServerGroupsUsed': usage['server_groups'],
    }
    if not req.is_at_least('2.36'):
        out.update(maxSecurityGroups=-1, maxSecurityGroupRules=-1, maxTotalFloatingIps=-1,
                   totalSecurityGroupsUsed=0, totalFloatingIpsUsed=0)
    if not req.is_at_least('2.39'):
        out['maxImageMeta'] = limits['metadata_items']
    if not req.is_at_least('2.57'):
        out.update(maxPersonality=limits['injected_files'],
                   maxPersonalitySize=limits['injected_file_content_bytes'])
    return out
