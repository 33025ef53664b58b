global using SaaSReference.Silo.Apis;
global using SaaSReference.Silo.Extensions;
