"""Domain exceptions.  They carry no HTTP knowledge: the API maps each class
to a fault in one table (novalite/api/openstack/faults.py).

Each class has a ``msg_fmt`` filled from keyword arguments, like Nova's.
"""


class NovaliteException(Exception):
    msg_fmt = 'An unknown exception occurred.'

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError):
                message = self.msg_fmt
        self.message = str(message)
        super().__init__(self.message)

    def format_message(self):
        return self.message


# -- not found ---------------------------------------------------------------
class NotFound(NovaliteException):
    msg_fmt = 'Resource could not be found.'


class InstanceNotFound(NotFound):
    msg_fmt = 'Instance %(instance_id)s could not be found.'


class FlavorNotFound(NotFound):
    msg_fmt = 'Flavor %(flavor_id)s could not be found.'


class ImageNotFound(NotFound):
    msg_fmt = 'Image %(image_id)s could not be found.'


class ComputeHostNotFound(NotFound):
    msg_fmt = 'Compute host %(host)s could not be found.'


class FlavorAccessNotFound(NotFound):
    msg_fmt = 'Flavor access not found for %(flavor_id)s / %(project_id)s combination.'


class FlavorExtraSpecsNotFound(NotFound):
    msg_fmt = 'Flavor %(flavor_id)s has no extra specs with key %(key)s.'


class HypervisorNotFound(NotFound):
    msg_fmt = "Hypervisor with ID '%(id)s' could not be found."


class InstanceActionNotFound(NotFound):
    msg_fmt = 'Action %(request_id)s not found'


class ServiceNotFound(NotFound):
    msg_fmt = 'Service %(service_id)s could not be found.'


class KeypairNotFound(NotFound):
    msg_fmt = 'Keypair %(name)s not found for user %(user_id)s'


# -- invalid input (400) -------------------------------------------------------
class Invalid(NovaliteException):
    msg_fmt = 'Bad request.'


class ValidationError(Invalid):
    msg_fmt = '%(detail)s'


class MalformedRequestBody(Invalid):
    msg_fmt = 'Malformed request body'


class ImageNotActive(Invalid):
    msg_fmt = 'Image %(image_id)s is not active.'


class FlavorMemoryTooSmall(Invalid):
    msg_fmt = "Flavor's memory is too small for requested image."


class FlavorDiskSmallerThanImage(Invalid):
    msg_fmt = ("Flavor's disk is too small for requested image. Flavor disk "
               "is %(flavor_size)i bytes, image is %(image_size)i bytes.")


class FlavorDiskSmallerThanMinDisk(Invalid):
    msg_fmt = ("Flavor's disk is smaller than the minimum size specified in "
               "image metadata. Flavor disk is %(flavor_size)i bytes, minimum "
               "size is %(image_min_disk)i bytes.")


class InvalidBDM(Invalid):
    msg_fmt = 'Block Device Mapping is Invalid.'


class InvalidRequest(Invalid):
    msg_fmt = 'The request is invalid.'


class InvalidKeypair(Invalid):
    msg_fmt = 'Keypair data is invalid: %(reason)s'


class InvalidAvailabilityZone(Invalid):
    msg_fmt = 'The requested availability zone is not available'


class ProjectIdMismatch(Invalid):
    msg_fmt = ("Malformed request URL: URL's project_id '%(url)s' doesn't "
               "match Context's project_id '%(context)s'")


class VersionNotFoundForAPIMethod(NovaliteException):
    msg_fmt = 'API version %(version)s is not supported on this method.'


class InvalidAPIVersionString(Invalid):
    msg_fmt = ('API Version String %(version)s is of invalid format. Must '
               'be of format MajorNum.MinorNum.')


class InvalidGlobalAPIVersion(NovaliteException):
    msg_fmt = ('Version %(req_ver)s is not supported by the API. Minimum is '
               '%(min_ver)s and maximum is %(max_ver)s.')


class InvalidSortKey(Invalid):
    msg_fmt = 'Sort key supplied was not valid.'


class InvalidQuotaValue(Invalid):
    msg_fmt = '%(reason)s'


class MarkerNotFound(NotFound):
    msg_fmt = 'Marker %(marker)s could not be found.'


# -- policy / quota (403) --------------------------------------------------
class Forbidden(NovaliteException):
    msg_fmt = 'Forbidden'


class ImageForbidden(Forbidden):
    msg_fmt = '%(reason)s'


class PolicyNotAuthorized(Forbidden):
    msg_fmt = "Policy doesn't allow %(action)s to be performed."


class QuotaError(Forbidden):
    msg_fmt = 'Quota exceeded: code=%(code)s'


class TooManyInstances(QuotaError):
    msg_fmt = ('Quota exceeded for %(overs)s: Requested %(req)s, but already '
               'used %(used)s of %(allowed)s %(overs)s')


class MetadataLimitExceeded(QuotaError):
    msg_fmt = 'Maximum number of metadata items exceeds %(allowed)d'


class KeypairLimitExceeded(QuotaError):
    msg_fmt = 'Quota exceeded, too many key pairs.'


class NotAuthenticated(NovaliteException):
    msg_fmt = 'Authentication required'


# -- conflicts (409) ---------------------------------------------------------
class ImageConflict(NovaliteException):
    """The image service's 409: a duplicate id, a wrong status for the
    request, a property that does not exist."""
    msg_fmt = '%(reason)s'


class InstanceInvalidState(NovaliteException):
    msg_fmt = ('Cannot \'%(method)s\' instance %(instance_uuid)s while it is '
               'in %(attr)s %(state)s')


class UnexpectedTaskStateError(NovaliteException):
    msg_fmt = ('Conflict updating instance %(instance_uuid)s. Expected: '
               '%(expected)s. Actual: %(actual)s')


class FlavorExists(NovaliteException):
    msg_fmt = 'Flavor with name %(name)s already exists.'


class FlavorIdExists(NovaliteException):
    msg_fmt = 'Flavor with ID %(flavor_id)s already exists.'


class FlavorAccessExists(NovaliteException):
    msg_fmt = ('Flavor access already exists for flavor %(flavor_id)s and '
               'project %(project_id)s combination.')


class FlavorAccessOfPublicFlavor(NovaliteException):
    msg_fmt = 'Can not add access to a public flavor.'


class KeyPairExists(NovaliteException):
    msg_fmt = "Key pair '%(key_name)s' already exists."


# -- scheduling and building ---------------------------------------------
class NoValidHost(NovaliteException):
    msg_fmt = 'No valid host was found. %(reason)s'


class NoValidHostYet(NoValidHost):
    """No host passes now, but one may soon without anyone acting (a host
    whose heartbeats were held up): the conductor lets the build wait."""


class MaxRetriesExceeded(NoValidHost):
    msg_fmt = '%(reason)s'


class ComputeResourcesUnavailable(NovaliteException):
    msg_fmt = 'Insufficient compute resources: %(reason)s.'


class RescheduledException(NovaliteException):
    msg_fmt = ('Build of instance %(instance_uuid)s was re-scheduled: '
               '%(reason)s')


class BuildAbortException(NovaliteException):
    msg_fmt = 'Build of instance %(instance_uuid)s aborted: %(reason)s'


class VirtualInterfaceCreateException(NovaliteException):
    msg_fmt = 'Virtual interface creation failed: %(reason)s'


class InstanceBuildTimeout(NovaliteException):
    msg_fmt = 'Build of instance %(instance_uuid)s timed out: %(reason)s'


class ComputeHostDown(NovaliteException):
    msg_fmt = ('Compute host %(host)s stopped reporting while building '
               'instance %(instance_uuid)s')


class HypervisorUnavailable(NovaliteException):
    msg_fmt = 'Connection to the hypervisor is broken on host: %(host)s'


class InstanceSpawnTimeout(NovaliteException):
    msg_fmt = 'Instance %(instance_uuid)s did not reach RUNNING within %(seconds)s s'


class ImageDownloadFailed(NovaliteException):
    msg_fmt = 'Download of image %(image_id)s failed: %(reason)s'


class ImageUnacceptable(NovaliteException):
    msg_fmt = 'Image %(image_id)s is unacceptable: %(reason)s'


class NotAllowedByHost(Forbidden):
    msg_fmt = 'Host %(host)s may not touch instance %(instance_uuid)s'


class ConsoleNotAvailable(NovaliteException):
    msg_fmt = 'Guest does not have a console available.'


class ServiceUnavailable(NovaliteException):
    msg_fmt = 'Service %(service)s is unavailable: %(reason)s'


class ServiceNotAuthenticated(Forbidden):
    msg_fmt = 'RPC message refused: %(reason)s'


class ServiceNotAuthorized(Forbidden):
    msg_fmt = '%(identity)s may not call %(method)s: %(reason)s'


# -- networks and ports (Nova's names and messages) ------------------------------
class NetworkNotFound(NotFound):
    msg_fmt = 'Network %(network_id)s could not be found.'


class PortNotFound(NotFound):
    msg_fmt = 'Port id %(port_id)s could not be found.'


class PortInUse(Invalid):          # 409, see faults
    msg_fmt = 'Port %(port_id)s is still in use.'


class NetworkAmbiguous(Invalid):   # 409, see faults
    msg_fmt = ('More than one possible network found. Specify network ID(s) to select '
               'which one(s) to connect to.')


class UnableToAutoAllocateNetwork(Invalid):
    msg_fmt = 'Unable to automatically allocate a network for project %(project_id)s'


class NetworkRequiresSubnet(Invalid):
    msg_fmt = 'Network %(network_uuid)s requires a subnet in order to boot instances on.'


class PortRequiresFixedIP(Invalid):
    msg_fmt = 'Port %(port_id)s requires a FixedIP in order to be used.'


class PortNotUsable(Invalid):
    msg_fmt = 'Port %(port_id)s not usable for instance %(instance)s.'


class MultiplePortsNotApplicable(Invalid):
    msg_fmt = 'Failed to launch instances: %(reason)s'


class InvalidFixedIpAndMaxCountRequest(Invalid):
    msg_fmt = 'Failed to launch instances: %(reason)s'


class FixedIpAlreadyInUse(Invalid):
    msg_fmt = 'Fixed IP address %(address)s is already in use on instance %(instance_uuid)s.'


class FixedIpInvalidForNetwork(Invalid):
    msg_fmt = ('Fixed IP address %(address)s is not a valid IP for any of the subnets '
               'on network %(network_id)s.')


class NoMoreFixedIps(NovaliteException):
    msg_fmt = 'No fixed IP addresses available for network: %(net)s'


class NetworkServiceUnavailable(ServiceUnavailable):
    msg_fmt = 'The network service is unavailable: %(reason)s'


class NeutronAdminCredentialConfigurationInvalid(NovaliteException):
    msg_fmt = 'Networking client is experiencing an unauthorized exception.'


# What stops one instance's build steps (conductor ``instance_steps``) without
# failing the others of the call; the answer names the class, and the compute
# raises it again by that name.
BUILD_STEP_ERRORS = (InstanceNotFound, UnexpectedTaskStateError, NotAllowedByHost,
                     ComputeResourcesUnavailable)
