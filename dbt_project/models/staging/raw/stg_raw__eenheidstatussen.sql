{#- Status periods of units, one-to-one with raw.eenheidstatussen: every snapshot version, status codes decoded. -#}
with

source as (
    select * from {{ source('raw', 'eenheidstatussen') }}
),

renamed as (
    select
        -- ids
        cast(eenheid_id as {{ dbt.type_string() }}) as eenheid_id,
        -- codes
        status,
        {{ code_naam('EENHEIDSTATUS', 'status') }} as status_naam,
        detailstatus,
        {{ code_naam('EENHEIDDETAILSTATUS', 'detailstatus') }} as detailstatus_naam,
        -- dates
        begindatum,
        einddatum,

        -- history (per-extract snapshot versions)
        _geldig_vanaf as geldig_vanaf,
        _geldig_tot as geldig_tot,
        (_geldig_vanaf <= {{ extractdatum() }}
            and (_geldig_tot is null or _geldig_tot > {{ extractdatum() }})) as is_actueel,
        -- lineage
        _extractdatum as extractdatum,
        _bronbestand as bronbestand
    from source
)

select * from renamed
