global using SaaSReference.Silo.Apis;
global using SaaSReference.Silo.Extensions;
global using SaaSReference.ServiceDefaults.Http;
global using SaaSReference.Silo.TenantData;
