{#- Tenancy agreements, one-to-one with raw.huurovereenkomsten: every snapshot version, renamed and cast (relatie_id
    is the load-time pseudonym). -#}
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

        -- history (per-extract snapshot versions) and lineage
        {{ raw_snapshot_columns() }}
    from source
)

select * from renamed
