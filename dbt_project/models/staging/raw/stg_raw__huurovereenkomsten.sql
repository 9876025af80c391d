{#- Tenancy agreements, one-to-one with raw.huurovereenkomsten: every snapshot version, renamed and cast (relatie_id is the load-time pseudonym). -#}
with

source as (
    select * from {{ source('raw', 'huurovereenkomsten') }}
),

renamed as (
    select
        -- ids
        cast(overeenkomst_id as {{ dbt.type_string() }}) as overeenkomst_id,
        cast(eenheid_id as {{ dbt.type_string() }}) as eenheid_id,
        relatie_id,
        -- dates
        begindatum,
        einddatum,
        opzegdatum,
        -- codes
        eindereden,
        eindedetailreden,
        {{ code_naam('EINDEDETAILREDEN', 'eindedetailreden') }} as eindedetailreden_naam,
        betaalwijze,
        status as overeenkomst_status,
        -- amounts
        startbrutohuur,

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
